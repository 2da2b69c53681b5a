"""/users and /auth over HTTP: the contract's status codes, headers and problems, and every
way an access token can be refused (each a 401 with `WWW-Authenticate`)."""

from __future__ import annotations

import base64
import json
import time
import warnings
from datetime import UTC, datetime

import httpx
import jwt
import pytest

from entrypoints.secret_key import ACCESS_TOKEN_KEY, derive
from support.accounts import PASSWORD, sign_up_and_log_in, unique_email
from support.clock import SteppingClock
from support.settings import TEST_SECRET_KEY

KEY = derive(TEST_SECRET_KEY.encode(), ACCESS_TOKEN_KEY)
"""The key the unit app signs access tokens with (its settings come from support.settings)."""


@pytest.fixture
def clock() -> SteppingClock:
    """From now: access tokens are checked against the system's time (adapters/tokens.py)."""
    return SteppingClock(datetime.now(UTC))


def claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    return {
        "sub": "1",
        "iat": now,
        "exp": now + 600,
        "iss": "tasks-api",
        "aud": "tasks-api",
    } | overrides


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_sign_up_answers_201_with_the_account_and_its_location(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/users", json={"email": " Ann@Example.com", "password": PASSWORD})

    assert response.status_code == 201
    assert response.headers["Location"] == "/users/me"
    body = response.json()
    assert set(body) == {"id", "email", "created_at"}
    assert body["email"] == "ann@example.com"


async def test_a_taken_email_is_409_and_invalid_fields_422(client: httpx.AsyncClient) -> None:
    await client.post("/users", json={"email": "a@example.com", "password": PASSWORD})
    taken = await client.post("/users", json={"email": "A@example.com", "password": PASSWORD})
    invalid = await client.post("/users", json={"email": "nope", "password": "short"})

    assert taken.status_code == 409
    assert taken.json()["type"] == "/problems/email-taken"
    assert invalid.status_code == 422
    assert {e["field"] for e in invalid.json()["errors"]} == {"email", "password"}


async def test_the_token_response_follows_rfc_6749(client: httpx.AsyncClient) -> None:
    email = unique_email()
    await client.post("/users", json={"email": email, "password": PASSWORD})
    response = await client.post(
        "/auth/token", data={"grant_type": "password", "username": email, "password": PASSWORD}
    )

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert (body["token_type"], body["expires_in"]) == ("bearer", 900)

    me = await client.get("/users/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["email"] == email


async def test_wrong_credentials_are_one_invalid_grant(client: httpx.AsyncClient) -> None:
    email = unique_email()
    await client.post("/users", json={"email": email, "password": PASSWORD})
    answers = [
        await client.post(
            "/auth/token", data={"grant_type": "password", "username": name, "password": secret}
        )
        for name, secret in ((email, "wrong password!"), ("other@example.com", PASSWORD))
    ]
    for answer in answers:
        assert answer.status_code == 400
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["error"] == "invalid_grant"
    assert answers[0].json()["detail"] == answers[1].json()["detail"]


@pytest.mark.parametrize(
    "form",
    [
        {"grant_type": "client_credentials"},
        {"grant_type": "password", "username": "a@example.com"},
        {"grant_type": "refresh_token"},
    ],
)
async def test_other_grants_are_unsupported(
    client: httpx.AsyncClient, form: dict[str, str]
) -> None:
    response = await client.post("/auth/token", data=form)
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


async def test_the_sixth_failure_is_429_with_retry_after(client: httpx.AsyncClient) -> None:
    email = unique_email()
    await client.post("/users", json={"email": email, "password": PASSWORD})
    form = {"grant_type": "password", "username": email, "password": "wrong password!"}
    for _ in range(5):
        assert (await client.post("/auth/token", data=form)).status_code == 400
    refused = await client.post("/auth/token", data={**form, "password": PASSWORD})

    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 900


async def test_refresh_rotates_and_a_reused_token_revokes_the_login(
    client: httpx.AsyncClient,
) -> None:
    email = unique_email()
    await client.post("/users", json={"email": email, "password": PASSWORD})
    first = (
        await client.post(
            "/auth/token", data={"grant_type": "password", "username": email, "password": PASSWORD}
        )
    ).json()
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    second = await client.post("/auth/token", data=refresh)
    assert second.status_code == 200
    reused = await client.post("/auth/token", data=refresh)
    assert reused.json()["error"] == "invalid_grant"
    after = await client.post(
        "/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": second.json()["refresh_token"]},
    )
    assert after.status_code == 400


async def test_revoke_answers_200_even_for_an_unknown_token(client: httpx.AsyncClient) -> None:
    assert (await client.post("/auth/revoke", data={"token": "made-up"})).status_code == 200


async def test_deleting_me_is_204_and_the_token_then_401(client: httpx.AsyncClient) -> None:
    headers = await sign_up_and_log_in(client)
    created = await client.post("/tasks", json={"title": "mine"}, headers=headers)
    assert created.status_code == 201
    assert (await client.get("/tasks", headers=headers)).json()["items"]
    assert (await client.delete("/users/me", headers=headers)).status_code == 204

    # The reads that used to answer 404 or an empty page; every endpoint, on every
    # store: tests/contract/test_deleted_account.py.
    for response in (
        await client.get("/users/me", headers=headers),
        await client.delete("/users/me", headers=headers),
        await client.get(f"/tasks/{created.json()['id']}", headers=headers),
        await client.get("/tasks", headers=headers),
        await client.get("/notes", headers=headers),
    ):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == (
            'Bearer realm="tasks-api", error="invalid_token"'
        )


async def test_no_token_is_401_with_a_plain_challenge(client: httpx.AsyncClient) -> None:
    del client.headers["Authorization"]  # the unit client sends one by default
    response = await client.get("/users/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="tasks-api"'
    assert response.json()["type"] == "/problems/unauthorized"


def _none_token() -> str:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims())}."


def _hs512_token() -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyJWT warns that the key is short for HS512
        return jwt.encode(claims(), KEY, algorithm="HS512")


BAD_TOKENS = {
    "not bearer": {"Authorization": "Basic dXNlcjpwYXNz"},
    "garbage": bearer("not-a-jwt"),
    "wrong signature": bearer(jwt.encode(claims(), b"another-key-" * 4, algorithm="HS256")),
    "alg none": bearer(_none_token()),
    "hs512 same key": bearer(_hs512_token()),
    "expired": bearer(jwt.encode(claims(exp=int(time.time()) - 1), KEY, algorithm="HS256")),
    "wrong aud": bearer(jwt.encode(claims(aud="other"), KEY, algorithm="HS256")),
    "wrong iss": bearer(jwt.encode(claims(iss="other"), KEY, algorithm="HS256")),
    "no exp": bearer(
        jwt.encode({k: v for k, v in claims().items() if k != "exp"}, KEY, algorithm="HS256")
    ),
    "sub not an id": bearer(jwt.encode(claims(sub="admin"), KEY, algorithm="HS256")),
    "sub too large": bearer(jwt.encode(claims(sub=str(2**63)), KEY, algorithm="HS256")),
    "deleted account": bearer(jwt.encode(claims(sub="999"), KEY, algorithm="HS256")),
}


@pytest.mark.parametrize("case", BAD_TOKENS)
async def test_every_bad_token_is_401_with_a_challenge(
    client: httpx.AsyncClient, case: str
) -> None:
    await sign_up_and_log_in(client)  # account 1 exists: only the token is wrong
    response = await client.get("/users/me", headers=BAD_TOKENS[case])

    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="tasks-api"')
    if case != "not bearer":
        assert challenge.endswith('error="invalid_token"')


async def test_a_good_token_of_account_1_is_accepted(client: httpx.AsyncClient) -> None:
    await sign_up_and_log_in(client)
    token = jwt.encode(claims(), KEY, algorithm="HS256")
    assert (await client.get("/users/me", headers=bearer(token))).status_code == 200


async def test_the_schema_declares_the_password_flow(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    flows = schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]
    assert flows["password"]["tokenUrl"] == "/auth/token"
