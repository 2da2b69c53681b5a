"""`POST /auth/token` (RFC 6749): tokens for a password or a refresh token; and
`POST /auth/revoke` (RFC 7009). The bearer check itself is in `auth.py`."""

from __future__ import annotations

from typing import Annotated, Final, Literal, TypeAlias

from fastapi import Depends, Form, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from application.accounts import AccountService
from domain.account import EMAIL_MAX_LENGTH, PASSWORD_MAX_LENGTH
from entrypoints.http.documentation import error_responses as problems
from entrypoints.http.problems import UnsupportedGrant
from entrypoints.http.routers import api_router

router = api_router("/auth", tags=["auth"])

MAX_TOKEN_LENGTH: Final = 2048


async def account_service(request: Request) -> AccountService:
    service: AccountService = request.app.state.container.account_service()
    return service


Accounts: TypeAlias = Annotated[AccountService, Depends(account_service)]


class TokenResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...",
                    "token_type": "bearer",
                    "expires_in": 900,
                    "refresh_token": "q1w2e3r4t5y6u7i8o9p0...",
                }
            ]
        }
    )

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (RFC 6750 type)
    expires_in: int
    refresh_token: str


class TokenForm(BaseModel):
    """RFC 6749 §4.3 and §6. Every field is optional here, so that a missing one is the
    RFC's 400 (`unsupported_grant_type`, `invalid_grant`), not a 422."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "grant_type": "password",
                    "username": "ada@example.com",
                    "password": "correct-horse-battery",
                }
            ]
        }
    )

    grant_type: str | None = Field(
        None, max_length=64, description="`password` or `refresh_token`."
    )
    username: str | None = Field(None, max_length=EMAIL_MAX_LENGTH * 2, description="The email.")
    password: str | None = Field(None, max_length=PASSWORD_MAX_LENGTH * 8)
    refresh_token: str | None = Field(None, max_length=MAX_TOKEN_LENGTH)


class RevokeForm(BaseModel):
    """RFC 7009 §2.1."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"token": "q1w2e3r4t5y6u7i8o9p0"}]})

    token: str = Field(min_length=1, max_length=MAX_TOKEN_LENGTH, description="A refresh token.")


_TOKEN_RESPONSES: Final = problems(400, 422, 429)
_TOKEN_RESPONSES[400]["description"] = (
    "`error` is `invalid_grant` (wrong email or password, or a bad refresh token) "
    "or `unsupported_grant_type`."
)


@router.post(
    "/token",
    summary="Log in with a password, or refresh a token pair",
    responses=_TOKEN_RESPONSES,
)
async def issue_token(
    request: Request, response: Response, accounts: Accounts, form: Annotated[TokenForm, Form()]
) -> TokenResponse:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    grant_type, username, password = form.grant_type, form.username, form.password
    refresh_token = form.refresh_token
    if grant_type == "password" and username is not None and password is not None:
        address = request.client.host[:64] if request.client else None
        pair = await accounts.login(email=username, password=password, address=address)
    elif grant_type == "refresh_token" and refresh_token is not None:
        pair = await accounts.refresh(refresh_token)
    else:
        raise UnsupportedGrant
    return TokenResponse(
        access_token=pair.access_token, expires_in=pair.expires_in, refresh_token=pair.refresh_token
    )


@router.post(
    "/revoke",
    summary="Revoke a refresh token and its login (RFC 7009)",
    response_class=Response,
    responses={
        200: {"description": "Revoked, or not a token this service knows."},
        **problems(422),
    },
)
async def revoke_token(accounts: Accounts, form: Annotated[RevokeForm, Form()]) -> Response:
    await accounts.revoke(form.token)
    return Response(status_code=200, headers={"Cache-Control": "no-store"})
