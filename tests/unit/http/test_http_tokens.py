"""Every /tasks and /notes request proves who sends it with a valid access token;
anything else is a 401 problem with a Bearer challenge (RFC 6750)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from entrypoints.container import Container
from entrypoints.secret_key import ACCESS_TOKEN_KEY, CURSOR_KEY, derive
from support.owners import OWNER

# HS512 with a 32-byte key is one of the forgeries tried here; PyJWT warns of it, rightly.
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

PATHS = ["/tasks", "/tasks/1", "/notes", "/notes/1"]


@pytest.fixture
async def anonymous(app: FastAPI) -> Any:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def key(container: Container) -> bytes:
    return derive(container.secret(), ACCESS_TOKEN_KEY)


def claims(**changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    base = {
        "sub": str(OWNER),
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=15)).timestamp()),
        "iss": "tasks-api",
        "aud": "tasks-api",
    }
    return {name: value for name, value in {**base, **changes}.items() if value is not None}


def unsigned(payload: dict[str, Any]) -> str:
    """A token with `alg: none`: no signature at all."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(payload)}."


def assert_unauthorized(response: httpx.Response, *, token_given: bool) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="tasks-api"')
    assert ('error="invalid_token"' in challenge) is token_given
    body = response.json()
    assert (body["status"], body["type"]) == (401, "/problems/unauthorized")


@pytest.mark.parametrize("path", PATHS)
async def test_a_request_without_a_token_is_a_401_with_a_bearer_challenge(
    anonymous: httpx.AsyncClient, path: str
) -> None:
    assert_unauthorized(await anonymous.get(path), token_given=False)


@pytest.mark.parametrize(
    "authorization", ["Basic dXNlcjpwYXNz", "Token abc", "Bearer", "bearer", "abc"]
)
async def test_credentials_that_are_no_bearer_token_are_a_401(
    anonymous: httpx.AsyncClient, authorization: str
) -> None:
    response = await anonymous.get("/tasks", headers={"Authorization": authorization})
    assert_unauthorized(response, token_given=False)


def bad_tokens(container: Container) -> dict[str, str]:
    right = key(container)
    return {
        "garbage": "not-a-jwt",
        "three garbage parts": "a.b.c",
        "wrong signature": jwt.encode(claims(), b"another key of thirty-two bytes!!", "HS256"),
        "alg none": unsigned(claims()),
        "HS512 with the same key": jwt.encode(claims(), right, "HS512"),
        "expired": jwt.encode(
            claims(exp=int((datetime.now(UTC) - timedelta(seconds=1)).timestamp())),
            right,
            "HS256",
        ),
        "wrong audience": jwt.encode(claims(aud="another-api"), right, "HS256"),
        "wrong issuer": jwt.encode(claims(iss="someone-else"), right, "HS256"),
        "no expiry": jwt.encode(claims(exp=None), right, "HS256"),
        "no subject": jwt.encode(claims(sub=None), right, "HS256"),
        "subject not an account": jwt.encode(claims(sub="admin"), right, "HS256"),
        "the cursor key": jwt.encode(claims(), derive(container.secret(), CURSOR_KEY), "HS256"),
    }


@pytest.mark.parametrize(
    "name",
    [
        "garbage",
        "three garbage parts",
        "wrong signature",
        "alg none",
        "HS512 with the same key",
        "expired",
        "wrong audience",
        "wrong issuer",
        "no expiry",
        "no subject",
        "subject not an account",
        "the cursor key",
    ],
)
@pytest.mark.parametrize("path", PATHS)
async def test_a_token_that_is_not_genuine_current_and_ours_is_a_401_invalid_token(
    anonymous: httpx.AsyncClient, container: Container, name: str, path: str
) -> None:
    token = bad_tokens(container)[name]
    response = await anonymous.get(path, headers={"Authorization": f"Bearer {token}"})
    assert_unauthorized(response, token_given=True)
    assert response.json()["detail"] == "The access token is invalid or has expired"


async def test_a_genuine_token_is_accepted_with_either_spelling_of_the_scheme(
    anonymous: httpx.AsyncClient, container: Container
) -> None:
    token = jwt.encode(claims(), key(container), "HS256")
    for scheme in ("Bearer", "bearer"):
        response = await anonymous.get("/tasks", headers={"Authorization": f"{scheme} {token}"})
        assert response.status_code == 200, response.text


async def test_the_reason_a_token_was_refused_goes_to_the_log_not_the_client(
    anonymous: httpx.AsyncClient, container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    token = jwt.encode(claims(aud="another-api"), key(container), "HS256")
    caplog.set_level("INFO")
    response = await anonymous.get("/tasks", headers={"Authorization": f"Bearer {token}"})
    assert "audience" not in response.text.lower()
    assert any("audience" in record.getMessage().lower() for record in caplog.records)
    assert token not in caplog.text, "the token itself is never logged"
