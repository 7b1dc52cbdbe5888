"""GET /simple/...: the wheelhouse as a PEP 503 index for `pip install --index-url`.

Read-only and open without a token (nodes install before they hold any secret); it serves only the
distribution files of the wheelhouse directory, which holds nothing secret.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from webapi.core.dependencies import WheelhouseDep
from webapi.core.errors import ApiError
from webapi.core.routing import add_routes
from webapi.core.runtime import Runtime
from webapi.wheelhouse.index import Wheelhouse, normalize, render_project, render_root

WHEELHOUSE_DIR = "wheelhouse"
router = APIRouter(prefix="/simple", tags=["wheelhouse"])
ProjectName = Annotated[str, PathParam(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")]
FileName = Annotated[str, PathParam(min_length=1, max_length=255)]
# Errors are JSON, spelled out: with a model, FastAPI would document them in the route's media type.
ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such project or file in the wheelhouse", "content": ERROR_BODY},
    422: {"description": "A name too long or with characters no distribution has", "content": ERROR_BODY},
}


def _missing(what: str) -> ApiError:
    return ApiError(
        404, f"{what} is not in the wheelhouse (the master builds it: dispycluster wheelhouse build)"
    )


@router.get(
    "/",
    response_class=HTMLResponse,
    summary="Projects of the wheelhouse (PEP 503)",
    responses={422: ERRORS[422]},
)
def simple_root(wheelhouse: WheelhouseDep) -> HTMLResponse:
    return HTMLResponse(render_root(wheelhouse.projects()))


@router.get(
    "/{project}/",
    response_class=HTMLResponse,
    responses={301: {"description": "Redirect to the normalized project name"}, **ERRORS},
    summary="Files of one project, with their sha256 (PEP 503)",
)
def simple_project(wheelhouse: WheelhouseDep, project: ProjectName) -> Response:
    normalized = normalize(project)
    if normalized != project:
        return RedirectResponse(f"/simple/{normalized}/", status_code=301)
    dists = wheelhouse.dists(project)
    if dists is None:
        raise _missing(f"project {project!r}")
    return HTMLResponse(render_project(project, dists))


@router.get(
    "/{project}/{filename}",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}}, **ERRORS},
    summary="One distribution file",
)
def simple_file(wheelhouse: WheelhouseDep, project: ProjectName, filename: FileName) -> FileResponse:
    path = wheelhouse.find(normalize(project), filename)
    if path is None:
        raise _missing(f"file {filename!r}")
    return FileResponse(path, media_type="application/octet-stream", filename=filename)


def install(app: FastAPI, runtime: Runtime) -> None:
    runtime.wheelhouse = Wheelhouse(runtime.settings.data_dir / WHEELHOUSE_DIR)
    add_routes(app, router)
