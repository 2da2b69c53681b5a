"""`POST /auth/token` (RFC 6749): tokens for a password or a refresh token; and
`POST /auth/revoke` (RFC 7009). The bearer check itself is in `auth.py`."""

from __future__ import annotations

from typing import Annotated, Final, Literal, TypeAlias

from fastapi import APIRouter, Depends, Form, Request, Response
from pydantic import BaseModel

from application.accounts import AccountService
from domain.account import EMAIL_MAX_LENGTH, PASSWORD_MAX_LENGTH
from entrypoints.http.documentation import error_responses as problems
from entrypoints.http.problems import UnsupportedGrant

router = APIRouter(prefix="/auth", tags=["auth"])

MAX_TOKEN_LENGTH: Final = 2048


async def account_service(request: Request) -> AccountService:
    service: AccountService = request.app.state.container.account_service()
    return service


Accounts: TypeAlias = Annotated[AccountService, Depends(account_service)]


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (RFC 6750 type)
    expires_in: int
    refresh_token: str


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
    request: Request,
    response: Response,
    accounts: Accounts,
    grant_type: Annotated[str, Form(max_length=64)],
    username: Annotated[str | None, Form(max_length=EMAIL_MAX_LENGTH * 2)] = None,
    password: Annotated[str | None, Form(max_length=PASSWORD_MAX_LENGTH * 8)] = None,
    refresh_token: Annotated[str | None, Form(max_length=MAX_TOKEN_LENGTH)] = None,
) -> TokenResponse:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
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
    responses=problems(422),
)
async def revoke_token(
    accounts: Accounts, token: Annotated[str, Form(max_length=MAX_TOKEN_LENGTH)]
) -> Response:
    await accounts.revoke(token)
    return Response(status_code=200, headers={"Cache-Control": "no-store"})
