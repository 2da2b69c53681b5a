"""Who is asking: the bearer token of a request, verified in-process.

A route that needs an account declares `account: CurrentAccount` and gets the
id of the account its access token was issued for. Verifying a JWT costs no
database round trip; that the account still exists rides on the request's own
statements, which read and write only that owner's rows (a deleted account's
rows are gone, and inserting for it fails its foreign key: `AccountGone`).
"""

from __future__ import annotations

from typing import Annotated, Final, TypeAlias

import structlog
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from application.errors import InvalidToken, TokenProblem
from application.ports import TokenSigner
from entrypoints.log_setup import ACCOUNT_ID

REALM: Final = 'Bearer realm="tasks-api"'

# Declares the OAuth2 password flow in the OpenAPI document, so that /docs can
# authorize; errors are ours (problem+json), not FastAPI's, hence auto_error=False.
bearer = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


async def _current_account(request: Request, token: Annotated[str | None, Depends(bearer)]) -> int:
    if not token:  # no Authorization header, another scheme, or "Bearer" alone
        raise InvalidToken(TokenProblem.MISSING, "This request needs a bearer access token")
    tokens: TokenSigner = request.app.state.access_tokens
    account_id = tokens.verify(token)
    # On every log line of the request from here on, the access line included (this
    # dependency is async, so it runs in the request's own context).
    structlog.contextvars.bind_contextvars(**{ACCOUNT_ID: account_id})
    return account_id


CurrentAccount: TypeAlias = Annotated[int, Depends(_current_account)]
"""The id of the account that sent the request; 401 without a valid access token."""
