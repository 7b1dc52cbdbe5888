"""The HTML pages. Each renders the layout and an empty frame; its JavaScript module fills it from the
REST API and keeps it live over /ws, so a page never shows data the API would not."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from webapi.deps import RuntimeDep
from webapi.errors import ApiError
from webapi.jobs.states import JobStatus
from webapi.ui.assets import module_graph, plotly_asset
from webapi.ui.grafana import dashboard_links
from webapi.ui.headers import secure_page
from webapi.ui.i18n import LANG_COOKIE, choose_language, languages, translator

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

ONE_YEAR = 365 * 24 * 3600


def _render(
    request: Request, runtime: RuntimeDep, template: str, section: str, **context: Any
) -> HTMLResponse:
    language = choose_language(request)
    response = templates.TemplateResponse(
        request,
        template,
        {
            "lang": language,
            "languages": languages(),
            "t": translator(language),
            "section": section,
            "grafana": dashboard_links(runtime.settings.grafana_url),
            "plotly_url": plotly_asset().url,
            "page_script": f"/static/js/pages/{Path(template).stem}.js",
            "modules": module_graph(f"pages/{Path(template).stem}.js"),
            # Where the language switch comes back to: this page with its filters.
            "here": f"{request.url.path}?{request.url.query}" if request.url.query else request.url.path,
            **context,
        },
    )
    return secure_page(response)


@router.get("/")
def dashboard(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    return _render(request, runtime, "dashboard.html", "dashboard")


@router.get("/jobs")
def jobs(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    return _render(request, runtime, "jobs.html", "jobs", statuses=[status.value for status in JobStatus])


@router.get("/jobs/{job_id}")
def job(request: Request, runtime: RuntimeDep, job_id: str) -> HTMLResponse:
    return _render(request, runtime, "job.html", "jobs", job_id=job_id)


@router.get("/nodes")
def nodes(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    return _render(request, runtime, "nodes.html", "nodes")


@router.get("/nodes/{node_name}")
def node(request: Request, runtime: RuntimeDep, node_name: str) -> HTMLResponse:
    return _render(request, runtime, "node.html", "nodes", node_name=node_name)


@router.get("/monitoring")
def monitoring(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    return _render(request, runtime, "monitoring.html", "monitoring")


def _same_site_path(url: str | None) -> str:
    """The path of `url` if it points into this site, else `/` (never an open redirect)."""
    if not url:
        return "/"
    parts = urlsplit(url)
    path = parts.path if parts.path.startswith("/") and not parts.path.startswith("//") else "/"
    return f"{path}?{parts.query}" if parts.query else path


@router.get("/ui/lang/{language}")
def switch_language(request: Request, language: str, next: str | None = None) -> RedirectResponse:
    if language not in languages():
        raise ApiError(404, f"unknown language {language!r}; known: {', '.join(languages())}")
    target = _same_site_path(next or request.headers.get("referer"))
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(LANG_COOKIE, language, max_age=ONE_YEAR, samesite="lax", httponly=True)
    return response
