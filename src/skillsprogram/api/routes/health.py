"""Whether the API is alive and whether it can serve: for load balancers and orchestrators,
unauthenticated, and telling nothing about the programme."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from skillsprogram.api.deps import State
from skillsprogram.api.problems import ApiError, Problem
from skillsprogram.storage import migrate

router = APIRouter(tags=["health"])


class HealthOut(BaseModel):
    """The process answers."""

    status: Literal["ok"] = "ok"


class ReadinessOut(BaseModel):
    """The process can serve requests: its database answers at the latest schema revision."""

    status: Literal["ready"] = "ready"


@router.get("/health", response_model=HealthOut, summary="Liveness: the process answers")
async def health() -> HealthOut:
    """Answers without touching the database, so that a slow database does not get a live
    process restarted."""
    return HealthOut()


@router.get(
    "/ready",
    response_model=ReadinessOut,
    responses={
        503: {
            "model": Problem,
            "description": "The database is unreachable or its schema is not at the latest revision",
        }
    },
    summary="Readiness: the database answers and its schema is current",
)
async def ready(state: State) -> ReadinessOut:
    """Connects to the database and compares its schema revision with the packaged head
    (``skillsprogram db upgrade`` brings it there)."""
    reason = await run_in_threadpool(migrate.pending, state.ctx.engine)
    if reason is not None:
        raise ApiError(503, "not-ready", reason)
    return ReadinessOut()
