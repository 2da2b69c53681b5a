"""All configuration, read once from the environment (and `.env`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./tasks.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="sqlite+aiosqlite:///PATH, postgresql+asyncpg://USER@HOST/DB, or memory://",
    )
    db_pool_size: int = Field(20, ge=1, description="Connections kept open per process.")
    db_connect_timeout: float = Field(
        5.0, gt=0, description="Seconds to wait for a database connection."
    )
    db_statement_timeout: float = Field(
        5.0, gt=0, description="Seconds a database statement may run."
    )
    cursor_secret: SecretStr | None = Field(
        None,
        description="Key that signs list cursors (16+ characters). Set it when several "
        "processes or restarts must accept each other's cursors; random per start otherwise.",
    )
    max_body_bytes: int = Field(1024 * 1024, ge=1, description="Largest accepted request body.")
    idempotency_ttl_seconds: int = Field(
        24 * 3600, ge=1, description="How long a response is replayed for its Idempotency-Key."
    )
    idempotency_lease_seconds: int = Field(
        30, ge=1, description="How long a request in flight holds its Idempotency-Key."
    )
    idempotency_purge_seconds: float = Field(
        600, gt=0, description="How often expired idempotency keys are deleted."
    )
    log_level: str = Field("INFO", description="Python logging level.")
    log_format: Literal["auto", "console", "json"] = Field(
        "auto",
        description="`json`: one JSON object a line; `console`: readable lines; "
        "`auto`: console on a terminal, JSON otherwise.",
    )
    prometheus_multiproc_dir: str | None = Field(
        None,
        description="Empty directory where worker processes share their metrics; "
        "`serve --workers N` makes a temporary one when this is unset.",
    )
