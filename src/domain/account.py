"""The account entity: who owns tasks and notes, and the rules for its email and password."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from domain.errors import InvalidValue
from domain.text import check_storable, trim
from domain.timestamps import utc_microseconds
from domain.validation import Validation

EMAIL_MAX_LENGTH: Final = 254
"""The longest address SMTP can deliver to (RFC 5321's path limit, less the brackets)."""
PASSWORD_MIN_LENGTH: Final = 12
PASSWORD_MAX_LENGTH: Final = 128
"""Long enough for any passphrase; short enough that hashing it costs nothing extra."""


def normalize_email(value: str) -> str:
    """Trim and lower-case an email, then check it: at most 254 characters, one `@`
    with text on both sides. Delivery is not checked: that is a confirmation mail's job."""
    email = trim(check_storable(value)).lower()
    if len(email) > EMAIL_MAX_LENGTH:
        raise InvalidValue(f"must be at most {EMAIL_MAX_LENGTH} characters after trimming")
    local, _, domain = email.partition("@")
    if email.count("@") != 1 or not local or not domain:
        raise InvalidValue("must be an email address: one @ with text on both sides")
    return email


def check_password(value: str) -> str:
    """A password is kept exactly as typed (no trimming: spaces may be part of it)."""
    check_storable(value)
    if not PASSWORD_MIN_LENGTH <= len(value) <= PASSWORD_MAX_LENGTH:
        raise InvalidValue(
            f"must be {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters long"
        )
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class Credentials:
    """A valid email and password, as given at sign-up; the password is not stored as such."""

    email: str
    password: str

    @classmethod
    def create(cls, *, email: str, password: str) -> Credentials:
        check = Validation()
        credentials = cls(
            email=check.check("email", normalize_email, email),
            password=check.check("password", check_password, password),
        )
        check.raise_if_invalid()
        return credentials

    def __repr__(self) -> str:
        # Never the password, whatever logs or tracebacks this ends up in.
        return f"Credentials(email={self.email!r}, password='***')"


@dataclass(frozen=True, slots=True, kw_only=True)
class NewAccount:
    """An account that has not been stored yet, so it has no id."""

    email: str
    password_hash: str
    created_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "created_at", utc_microseconds(self.created_at))

    def stored_as(self, account_id: int) -> Account:
        return Account(
            id=account_id,
            email=self.email,
            password_hash=self.password_hash,
            created_at=self.created_at,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    id: int
    email: str
    password_hash: str
    created_at: datetime

    def __repr__(self) -> str:
        return f"Account(id={self.id!r}, email={self.email!r})"
