"""Health: the liveness route (answers as long as the process serves requests) and the shape in which
each part of the service reports its own health."""

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from webapi import __version__

router = APIRouter(tags=["health"])
PartState = Literal["ok", "down", "starting"]


class PartHealth(BaseModel):
    """One part of the service (collector, database, dispatcher, Prometheus…) as a probe just saw it."""

    name: str
    status: PartState
    detail: str | None = None
    latency_ms: float | None = None


class Liveness(BaseModel):
    status: str
    version: str


@router.get("/api/health", response_model=Liveness)
async def liveness() -> Liveness:
    return Liveness(status="ok", version=__version__)
