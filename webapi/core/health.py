"""Liveness: answers as long as the process serves requests."""

from fastapi import APIRouter
from pydantic import BaseModel

from webapi import __version__

router = APIRouter(tags=["health"])


class Liveness(BaseModel):
    status: str
    version: str


@router.get("/api/health", response_model=Liveness)
async def liveness() -> Liveness:
    return Liveness(status="ok", version=__version__)
