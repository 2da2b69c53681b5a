"""`/users`: sign up, see and delete one's own account."""

from __future__ import annotations

from datetime import datetime

from fastapi import Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from domain.account import Account
from entrypoints.http.auth import CurrentAccount
from entrypoints.http.dependencies import require_json
from entrypoints.http.documentation import WITH_BODY
from entrypoints.http.documentation import error_responses as problems
from entrypoints.http.routers import api_router
from entrypoints.http.tokens import Accounts

router = api_router("/users", tags=["users"])


class SignUp(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [{"email": "ada@example.com", "password": "correct-horse-battery"}]
        },
    )

    email: str = Field(max_length=1024, description="Trimmed, lower-cased; at most 254 characters.")
    password: str = Field(max_length=1024, description="12..128 characters.")

    def __repr__(self) -> str:
        return f"SignUp(email={self.email!r}, password='***')"


class AccountOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"id": 1, "email": "ada@example.com", "created_at": "2026-11-24T07:00:00.123456Z"}
            ]
        }
    )

    id: int
    email: str
    created_at: datetime


def account_out(account: Account) -> AccountOut:
    return AccountOut(id=account.id, email=account.email, created_at=account.created_at)


@router.post(
    "",
    status_code=201,
    summary="Create an account",
    dependencies=[Depends(require_json)],
    responses=problems(409, *WITH_BODY),
)
async def sign_up(payload: SignUp, accounts: Accounts, response: Response) -> AccountOut:
    account = await accounts.sign_up(email=payload.email, password=payload.password)
    response.headers["Location"] = "/users/me"
    return account_out(account)


@router.get("/me", summary="The account of the access token", responses=problems(401))
async def get_me(account_id: CurrentAccount, accounts: Accounts) -> AccountOut:
    return account_out(await accounts.me(account_id))


@router.delete(
    "/me",
    status_code=204,
    response_class=Response,
    summary="Delete the account, with its tasks, notes and tokens",
    responses=problems(401),
)
async def delete_me(account_id: CurrentAccount, accounts: Accounts) -> None:
    await accounts.delete_me(account_id)
