"""Liveness and readiness."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict

from entrypoints.http.documentation import error_responses

router = APIRouter(prefix="/health", tags=["operations"])


class Health(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: Literal["ok"] = "ok"


@router.get("", summary="Liveness: the process answers")
async def get_health() -> Health:
    # Touches nothing else: a database outage must not get the process restarted.
    return Health()


@router.get("/ready", summary="Readiness: the database answers", responses=error_responses(503))
async def get_readiness(request: Request) -> Health:
    await request.app.state.container.database().ping()
    return Health()
