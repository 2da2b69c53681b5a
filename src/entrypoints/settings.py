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
    db_pool_wait_seconds: float = Field(
        2.0,
        gt=0,
        description="Seconds a request may wait, in arrival order, for a pooled database "
        "connection; past it the request is shed at once with 503 and Retry-After.",
    )
    db_connect_timeout: float = Field(
        5.0, gt=0, description="Seconds to wait for the database to accept a new connection."
    )
    db_statement_timeout: float = Field(
        5.0, gt=0, description="Seconds a database statement may run."
    )
    secret_key: SecretStr | None = Field(
        None,
        min_length=32,
        description="The secret that signs access tokens and list cursors (32+ characters). "
        "Required on PostgreSQL; on SQLite one is generated and kept beside the database "
        "file, on memory one per process.",
    )
    account_cache_seconds: float = Field(
        30,
        ge=0,
        description="How long a process trusts, without asking the database, that the "
        "account of an access token it has seen still exists. An account deleted through "
        "another process (worker or host) has its tokens refused by this one at most this "
        "long after; its own process refuses them at once. 0 asks on every request.",
    )
    account_cache_size: int = Field(
        10_000, ge=1, description="Accounts a process remembers as existing, at most."
    )
    max_body_bytes: int = Field(1024 * 1024, ge=1, description="Largest accepted request body.")
    idempotency_ttl_seconds: int = Field(
        24 * 3600, ge=1, description="How long a response is replayed for its Idempotency-Key."
    )
    idempotency_lease_seconds: int = Field(
        30, ge=1, description="How long a request in flight holds its Idempotency-Key."
    )
    idempotency_purge_seconds: float = Field(
        600,
        gt=0,
        description="How often expired idempotency keys and refresh tokens, and failed "
        "logins no longer counted, are deleted.",
    )
    request_receive_timeout_seconds: float = Field(
        10.0,
        gt=0,
        description="Seconds a client has to send a whole request (head and body) once its "
        "connection opens or its request begins; a slower one is closed (408).",
    )
    max_request_header_bytes: int = Field(
        64 * 1024, ge=1024, description="Largest accepted request head; larger ones get 431."
    )
    max_connections: int = Field(
        2048,
        ge=1,
        description="Open connections per worker beyond which requests are refused with "
        "a 503 /problems/overloaded; keep it under `ulimit -n`.",
    )
    max_requests_in_flight: int = Field(
        20,
        ge=1,
        description="Requests a worker works on at once; the others wait in arrival order, "
        "for at most DB_POOL_WAIT_SECONDS (then 503). /health, /metrics and the docs never "
        "wait.",
    )
    keep_alive_timeout_seconds: int = Field(
        5, ge=1, description="Seconds an idle keep-alive connection stays open between requests."
    )
    shutdown_grace_seconds: int = Field(
        20,
        ge=1,
        description="On SIGTERM, seconds the requests in flight have to finish (readiness "
        "answers 503 and new connections are refused meanwhile); those still running then "
        "are cut and logged, and the process exits 0.",
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
