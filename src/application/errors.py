"""Errors the use cases raise beyond the domain's own."""

from __future__ import annotations

import enum

from domain.errors import DomainError


class InvalidIdempotencyKey(DomainError):
    """The idempotency key a client sent breaks the rules for keys."""


class IdempotencyKeyInUse(DomainError):
    """A request with this idempotency key is still being processed."""

    def __init__(self, key: str) -> None:
        super().__init__(f"A request with idempotency key {key!r} is still in progress")
        self.key = key


class IdempotencyKeyReused(DomainError):
    """The idempotency key was first used with a different request body."""

    def __init__(self, key: str) -> None:
        super().__init__(f"Idempotency key {key!r} was already used with a different request body")
        self.key = key


class TooMuchContention(DomainError):
    """A write kept losing races with other writers and gave up."""

    def __init__(self, resource: str, resource_id: int) -> None:
        super().__init__(f"{resource} {resource_id} is being changed by others; try again")
        self.resource = resource
        self.resource_id = resource_id


class TokenProblem(enum.Enum):
    MISSING = "missing"
    INVALID = "invalid"
    EXPIRED = "expired"


class InvalidToken(DomainError):
    """The request carries no usable access token; `problem` says why."""

    def __init__(self, problem: TokenProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem


class AccountGone(InvalidToken):
    """The token is well signed, but its account has been deleted."""

    def __init__(self) -> None:
        super().__init__(TokenProblem.INVALID, "The account of this access token no longer exists")


class StorageUnavailable(Exception):
    """The store cannot be reached or did not answer in time; the request may be retried."""


# Accounts and tokens.


class EmailTaken(DomainError):
    """An account with this email exists already."""

    def __init__(self, email: str) -> None:
        super().__init__(f"An account with email {email!r} exists already")
        self.email = email


class InvalidGrant(DomainError):
    """Login refused: the email or password is wrong, or the refresh token is not valid.

    The message never says which, so that it reveals nothing about accounts.
    """


class TooManyAttempts(DomainError):
    """Too many failed logins for this email or from this address; wait `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many failed logins; try again in {retry_after} seconds")
        self.retry_after = retry_after


class StorageOverloaded(StorageUnavailable):
    """Too many requests wait for the store already: this one is shed at once, to retry later.

    The store is healthy; it is busy. Callers that only care whether a request
    may be retried treat it as any `StorageUnavailable`.
    """
