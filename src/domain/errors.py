"""Errors raised when a domain rule is broken."""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """Base class of every error the domain and the use cases raise on purpose."""


class InvalidValue(ValueError):
    """A single value breaks a rule.

    `problems` pairs a place inside the value (`""` for the value itself,
    `"[2]"` for an item of a list) with a message meant for the client.
    """

    def __init__(self, message: str, *, at: str = "") -> None:
        super().__init__(message)
        self.problems: list[tuple[str, str]] = [(at, message)]

    @classmethod
    def of(cls, problems: list[tuple[str, str]]) -> InvalidValue:
        error = cls("; ".join(message for _, message in problems))
        error.problems = problems
        return error


@dataclass(frozen=True, slots=True)
class FieldError:
    """One invalid input field, named as a client names it (`title`, `tags[2]`)."""

    field: str
    message: str


class InvalidInput(DomainError):
    """The input breaks one or more rules; `errors` names every offending field."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = tuple(errors)

    @classmethod
    def single(cls, field: str, message: str) -> InvalidInput:
        return cls([FieldError(field, message)])


class NotFound(DomainError):
    """No resource of that kind has that id."""

    def __init__(self, resource: str, resource_id: int) -> None:
        super().__init__(f"{resource} {resource_id} does not exist")
        self.resource = resource
        self.resource_id = resource_id


class VersionMismatch(DomainError):
    """A write was conditional on a version the resource no longer has.

    `current_version` is the version it has, so that the client can be told.
    """

    def __init__(self, resource: str, resource_id: int, current_version: int) -> None:
        super().__init__(
            f"{resource} {resource_id} does not match the version the request was conditional on"
        )
        self.resource = resource
        self.resource_id = resource_id
        self.current_version = current_version
