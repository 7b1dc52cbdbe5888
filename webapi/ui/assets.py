"""Static files of the UI, and plotly.js served from the installed plotly package."""

from __future__ import annotations

import importlib.util
import os
from functools import cache
from pathlib import Path

from fastapi import APIRouter
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from webapi.errors import ApiError
from webapi.ui.headers import secure_asset

STATIC_DIR = Path(__file__).parent / "static"

router = APIRouter(include_in_schema=False)


class SecureStaticFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        return secure_asset(await super().get_response(path, scope))


@cache
def plotly_bundle() -> Path | None:
    """`plotly.min.js` inside the plotly package, found without importing plotly (slow to import)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"
    return path if path.is_file() else None


@router.get("/static/vendor/plotly.min.js")
def plotly_js() -> Response:
    path = plotly_bundle()
    if path is None:
        raise ApiError(404, "plotly is not installed: pip install plotly")
    stat = os.stat(path)
    response = FileResponse(path, media_type="text/javascript", stat_result=stat)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return secure_asset(response)
