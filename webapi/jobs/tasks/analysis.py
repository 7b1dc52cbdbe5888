"""`analysis`: statistics over a finished scraping job's pages or inline records, split across nodes.

Each chunk of records is one dispy job; the service merges the chunks' partial results (counts add
up, percentiles come from the chunks' sorted values, top terms from the summed term counts).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from webapi.core.domain_errors import FieldProblem, InvalidError
from webapi.core.settings import Settings
from webapi.jobs.plugin_api import JobReader
from webapi.jobs.registry import TaskType
from webapi.jobs.states import JobStatus
from webapi.jobs.tasks import analysis_node

PERCENTILES = (50, 90, 99)


class AnalysisRecord(BaseModel):
    """One page as `scraping` reports it; every field is optional."""

    model_config = ConfigDict(extra="ignore")

    url: str | None = None
    status: int | None = None
    content_type: str | None = None
    bytes: int | None = Field(None, ge=0)
    title: str | None = None
    links: int | None = Field(None, ge=0)
    elapsed_ms: float | None = Field(None, ge=0)


class AnalysisParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source_job_id: int | None = Field(None, description="A succeeded scraping job whose pages to analyse.")
    records: list[AnalysisRecord] | None = Field(None, max_length=100_000, description="Inline records.")
    chunk_size: int = Field(100, ge=1, le=10_000, description="Records per node job.")
    top_terms: int = Field(20, ge=1, le=200, description="How many title terms to report.")

    @model_validator(mode="after")
    def _one_source(self) -> AnalysisParams:
        if (self.source_job_id is None) == (self.records is None):
            raise ValueError("give exactly one of source_job_id or records")
        return self


def _source_pages(jobs: JobReader, job_id: int) -> list[dict[str, Any]]:
    source = jobs.job(job_id)
    problem = None
    if source is None:
        problem = f"job {job_id} does not exist"
    elif source.type != "scraping" or source.status != JobStatus.SUCCEEDED:
        problem = f"job {job_id} is a {source.status} {source.type} job, not a succeeded scraping job"
    if problem is not None:
        raise InvalidError(problem, [FieldProblem("body.parameters.source_job_id", problem)])
    assert source is not None
    return list((source.result or {}).get("pages", []))


def _check(params: AnalysisParams, jobs: JobReader, _settings: Settings) -> None:
    if params.source_job_id is not None:
        _source_pages(jobs, params.source_job_id)


def _split(params: AnalysisParams, jobs: JobReader) -> list[dict[str, Any]]:
    if params.records is not None:
        records = [record.model_dump() for record in params.records]
    else:
        assert params.source_job_id is not None
        records = _source_pages(jobs, params.source_job_id)
    size = params.chunk_size
    return [{"records": records[i : i + size]} for i in range(0, len(records), size)]


def _percentile(values: list[float], pct: int) -> float:
    """Nearest-rank percentile of sorted values."""
    rank = max(1, -(-pct * len(values) // 100))
    return values[rank - 1]


def _distribution(values: list[float]) -> dict[str, float | None]:
    values = sorted(values)
    if not values:
        empty: dict[str, float | None] = {"count": 0, "min": None, "max": None, "mean": None}
        return empty | {f"p{p}": None for p in PERCENTILES}
    summary: dict[str, float | None] = {
        "count": len(values),
        "min": values[0],
        "max": values[-1],
        "mean": round(sum(values) / len(values), 3),
    }
    return summary | {f"p{p}": _percentile(values, p) for p in PERCENTILES}


def _merge(parts: list[dict[str, Any]], params: AnalysisParams) -> dict[str, Any]:
    status: Counter[str] = Counter()
    types: Counter[str] = Counter()
    terms: Counter[str] = Counter()
    sizes: list[float] = []
    latencies: list[float] = []
    for part in parts:
        status.update(part["status"])
        types.update(part["content_types"])
        terms.update(part["terms"])
        sizes += part["bytes"]
        latencies += part["elapsed_ms"]
    top = sorted(terms.items(), key=lambda item: (-item[1], item[0]))[: params.top_terms]
    return {
        "records": sum(part["count"] for part in parts),
        "chunks": len(parts),
        "status_codes": dict(sorted(status.items())),
        "content_types": dict(types.most_common()),
        "bytes": _distribution(sizes),
        "elapsed_ms": _distribution(latencies),
        "top_terms": [{"term": term, "count": count} for term, count in top],
    }


TASK = TaskType(
    name="analysis",
    description="Counts, status/content-type distributions, size and latency percentiles and top title "
    "terms of a scraping job's pages or inline records; one node job per chunk.",
    parameters=AnalysisParams,
    node_function=analysis_node.run,
    check=_check,
    split=_split,
    merge=_merge,
)
