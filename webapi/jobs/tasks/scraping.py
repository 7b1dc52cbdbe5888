"""`scraping`: a polite crawl from a start URL, run on a node."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from webapi.core.settings import Settings
from webapi.jobs.registry import TaskType
from webapi.jobs.tasks import scraping_node


class ScrapingParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start_url: str = Field(max_length=2000, description="http:// or https:// URL the crawl starts from.")
    max_pages: int = Field(10, ge=1, le=1000, description="Pages fetched at most.")
    same_origin_only: bool = Field(True, description="Follow only links on the start URL's origin.")
    timeout_s: float = Field(10.0, gt=0, le=120, title="Timeout (s)", description="Timeout of each request.")
    delay_s: float = Field(1.0, ge=0, le=60, title="Delay (s)", description="Pause between two requests.")

    @field_validator("start_url")
    @classmethod
    def _http_only(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or len(value.split("//", 1)[1]) == 0:
            raise ValueError("must be an http:// or https:// URL")
        return value


def _context(settings: Settings) -> dict[str, Any]:
    return {"allow_private": settings.scrape_allow_private, "allow_hosts": list(settings.scrape_allow_hosts)}


TASK = TaskType(
    name="scraping",
    description="Crawls from start_url politely (robots.txt, delay, own User-Agent); records page facts.",
    parameters=ScrapingParams,
    node_function=scraping_node.run,
    context=_context,
)
