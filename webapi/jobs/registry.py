"""Task types: a name, a pydantic parameter model and a node function, found through entry points.

An installed distribution adds a type by declaring an entry point in the `dispycluster.tasks` group
that names a `TaskType`. The node function's *module* is shipped to the nodes as source, so it must
import only what the nodes have (the standard library on a stock dispynode). The hooks see the service
through `webapi.jobs.plugin_api` only (a versioned, read-only interface), never its database.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from pydantic import BaseModel

from webapi.core.settings import Settings
from webapi.jobs.plugin_api import PLUGIN_API_VERSION, SUPPORTED_VERSIONS, JobReader

ENTRY_POINT_GROUP = "dispycluster.tasks"
log = logging.getLogger(__name__)

CheckHook = Callable[[Any, JobReader, Settings], None]
SplitHook = Callable[[Any, JobReader], list[dict[str, Any]]]
MergeHook = Callable[[list[Any], Any], Any]


def _no_context(_settings: Settings) -> dict[str, Any]:
    return {}


@functools.cache
def _module_source(module_name: str) -> str:
    return inspect.getsource(sys.modules[module_name])


@dataclass(frozen=True)
class TaskType:
    """One kind of job.

    `check` runs at submission (raise `webapi.core.domain_errors.InvalidError` or `ForbiddenError` to
    refuse), `split` turns the parameters into the chunks sent to nodes (one dispy job each; default:
    one chunk) and `merge` combines the chunks' results (default: the only result). `context` carries
    operator settings to the node function. `api_version` is the `plugin_api` version the hooks were
    written for.
    """

    name: str
    description: str
    parameters: type[BaseModel]
    node_function: Callable[..., Any]
    context: Callable[[Settings], dict[str, Any]] = _no_context
    check: CheckHook | None = None
    split: SplitHook | None = None
    merge: MergeHook | None = None
    api_version: int = PLUGIN_API_VERSION

    @property
    def node_source(self) -> str:
        return _module_source(self.node_function.__module__)

    @property
    def entry(self) -> str:
        return self.node_function.__name__

    def chunks(self, params: BaseModel, jobs: JobReader) -> list[dict[str, Any]]:
        if self.split is None:
            return [params.model_dump(mode="json")]
        return self.split(params, jobs)

    def combine(self, results: list[Any], params: BaseModel) -> Any:
        if self.merge is None:
            return results[0] if results else None
        return self.merge(results, params)

    def schema(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "parameters": self.parameters.model_json_schema(),
        }


class Registry:
    def __init__(self, types: Iterable[TaskType]) -> None:
        self._types = {task.name: task for task in types}

    def get(self, name: str) -> TaskType | None:
        return self._types.get(name)

    def names(self) -> list[str]:
        return sorted(self._types)

    def all(self) -> list[TaskType]:
        return [self._types[name] for name in self.names()]

    @functools.cached_property
    def _schemas_json(self) -> str:
        return json.dumps([task.schema() for task in self.all()])

    def schemas_json(self) -> str:
        """`GET /api/jobs/types` (building the JSON Schemas takes milliseconds: built once)."""
        return self._schemas_json

    @classmethod
    def from_entry_points(cls, group: str = ENTRY_POINT_GROUP) -> Registry:
        types = []
        for point in entry_points(group=group):
            try:
                task = point.load()
            except Exception:
                log.exception("task type entry point %s could not be loaded; skipped", point.name)
                continue
            if not isinstance(task, TaskType):
                log.error("entry point %s is not a TaskType (%r); skipped", point.name, task)
                continue
            if task.api_version not in SUPPORTED_VERSIONS:
                log.error(
                    "task type %s needs plugin API version %s, this service offers %s; skipped",
                    task.name,
                    task.api_version,
                    ", ".join(map(str, sorted(SUPPORTED_VERSIONS))),
                )
                continue
            types.append(task)
        return cls(types)
