"""Liveness and readiness."""

from __future__ import annotations

from typing import Literal

from fastapi import Request
from pydantic import BaseModel, ConfigDict
from starlette.responses import Response

from entrypoints.http.documentation import error_responses
from entrypoints.http.drain import Drain
from entrypoints.http.problems import RETRY_AFTER_SECONDS, problem
from entrypoints.http.routers import api_router

router = api_router("/health", tags=["operations"])


class Health(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: Literal["ok"] = "ok"


@router.get("", summary="Liveness: the process answers")
async def get_health() -> Health:
    # Touches nothing else: a database outage must not get the process restarted.
    return Health()


@router.get(
    "/ready",
    summary="Readiness: the database answers",
    response_model=Health,
    responses=error_responses(503),
)
async def get_readiness(request: Request) -> Health | Response:
    drain: Drain = request.app.state.drain
    if not drain.draining:
        await request.app.state.container.database().ping()
    # Asked again after the ping: a stop that began while it waited for a
    # connection must not be answered "ready".
    if drain.draining:
        return problem(
            request.scope,
            503,
            "The service is stopping",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return Health()
