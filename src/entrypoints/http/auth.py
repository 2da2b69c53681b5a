"""Who is asking: the bearer token of a request, verified in-process.

A route that needs an account declares `account: CurrentAccount` and gets the
id of the account its access token was issued for, once `Authenticator` has
checked the token (in-process) and that its account still exists (in the
process's `KnownAccounts`, which asks the database only on a miss: once per
account per `ACCOUNT_CACHE_SECONDS`). So a deleted account's token is a 401 on
every endpoint, not a 404 or an empty page.
"""

from __future__ import annotations

from typing import Annotated, Final, TypeAlias

import structlog
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from application.accounts import Authenticator
from application.errors import InvalidToken, TokenProblem
from entrypoints.log_setup import ACCOUNT_ID

REALM: Final = 'Bearer realm="tasks-api"'


class _BearerAccount(OAuth2PasswordBearer):
    """The account of the request's bearer token, as one dependency.

    Being the security scheme itself (rather than a dependency on one) declares
    the OAuth2 password flow in the OpenAPI document just the same, so that
    /docs can authorize, and spares FastAPI a level of dependency solving on
    every request. Errors are ours (problem+json), not FastAPI's.
    """

    async def __call__(self, request: Request) -> int:  # type: ignore[override]
        token = await super().__call__(request)
        if not token:  # no Authorization header, another scheme, or "Bearer" alone
            raise InvalidToken(TokenProblem.MISSING, "This request needs a bearer access token")
        # From the container on each request, as every service is (http/dependencies.py):
        # a singleton's provider call, so overrides made after the app was built count.
        authenticator: Authenticator = request.app.state.container.authenticator()
        account_id = await authenticator.account_of(token)
        # On every log line of the request from here on, the access line included (this
        # dependency is async, so it runs in the request's own context).
        structlog.contextvars.bind_contextvars(**{ACCOUNT_ID: account_id})
        return account_id


# Named as the scheme was when it was a plain `OAuth2PasswordBearer`: the OpenAPI
# document keeps its name.
bearer = _BearerAccount(
    tokenUrl="/auth/token", auto_error=False, scheme_name=OAuth2PasswordBearer.__name__
)

CurrentAccount: TypeAlias = Annotated[int, Depends(bearer)]
"""The id of the account that sent the request; 401 without a valid access token."""
