"""The service's settings as tests build them: from the values given, never from a `.env`."""

from __future__ import annotations

from typing import Any

from pydantic_settings import SettingsConfigDict

from entrypoints.settings import Settings

TEST_SECRET_KEY = "test-secret-key-0123456789abcdef-0123"


class _SettingsWithoutEnvFile(Settings):
    # A developer's `.env` must not change what a test sees; the rest of the
    # configuration is inherited (pydantic merges it with this).
    model_config = SettingsConfigDict(env_file=None)


def isolated_settings(**overrides: Any) -> Settings:
    """Settings for memory and a fixed secret key, with `overrides` on top; no `.env`."""
    return _SettingsWithoutEnvFile(
        **{"database_url": "memory://", "secret_key": TEST_SECRET_KEY, **overrides}
    )
