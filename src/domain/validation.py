"""Collects every broken rule of an input before failing, so clients fix them all at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from domain.errors import FieldError, InvalidInput, InvalidValue

A = TypeVar("A")
T = TypeVar("T")


class Validation:
    def __init__(self) -> None:
        self._errors: list[FieldError] = []

    def check(self, field: str, rule: Callable[[A], T], value: A) -> T | A:
        """Apply `rule` to `value`; on failure, record the error under `field`.

        A failed check returns the value unchanged (hence `T | A`): nothing is
        built from it, because `raise_if_invalid()` raises first.
        """
        try:
            return rule(value)
        except InvalidValue as error:
            self._errors.extend(FieldError(field + at, message) for at, message in error.problems)
        return value

    def raise_if_invalid(self) -> None:
        if self._errors:
            raise InvalidInput(self._errors)
