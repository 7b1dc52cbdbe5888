"""The HTML pages. Each renders the layout and an empty frame; its JavaScript module fills it from the
REST API and keeps it live over /ws, so a page never shows data the API would not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from webapi.core.auth import CALLER_KEY
from webapi.core.dependencies import RuntimeDep
from webapi.core.dispy_ports import DEFAULT_NODE_PORT
from webapi.core.errors import ApiError
from webapi.core.roles import Caller, Role
from webapi.jobs.states import JobStatus
from webapi.ui.assets import module_graph, plotly_asset
from webapi.ui.grafana import dashboard_links
from webapi.ui.headers import secure_page
from webapi.ui.i18n import LANG_COOKIE, choose_language, languages, translator

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

ONE_YEAR = 365 * 24 * 3600


def _caller_role(request: Request) -> Role | None:
    """The role of whoever asks for the page (cookie, or loopback mode): it shows only what that role may
    do. Hiding is for clarity only: the API refuses what the role may not do either way."""
    caller: Caller | None = request.scope.get(CALLER_KEY)
    return caller.role if caller is not None else None


def _render(
    request: Request, runtime: RuntimeDep, template: str, section: str, **context: Any
) -> HTMLResponse:
    language = choose_language(request)
    role = _caller_role(request)
    response = templates.TemplateResponse(
        request,
        template,
        {
            "lang": language,
            "languages": languages(),
            "t": translator(language),
            "section": section,
            "role": role.value if role else "",
            "can": lambda needed: role is not None and role.allows(Role(needed)),
            "grafana": dashboard_links(runtime.settings.grafana_url),
            "plotly_url": plotly_asset().url,
            "page_script": f"/static/js/pages/{Path(template).stem}.js",
            "modules": module_graph(f"pages/{Path(template).stem}.js"),
            # Where the language switch comes back to: this page with its filters.
            "default_node_port": DEFAULT_NODE_PORT,
            "here": f"{request.url.path}?{request.url.query}" if request.url.query else request.url.path,
            **context,
        },
    )
    return secure_page(response)


@dataclass(frozen=True)
class Page:
    path: str
    template: str
    section: str  # the navigation entry shown as current
    context: Callable[[], dict[str, Any]] = dict  # what the template needs besides the path's values


PAGES = (
    Page("/", "dashboard.html", "dashboard"),
    Page("/jobs", "jobs.html", "jobs", lambda: {"statuses": [status.value for status in JobStatus]}),
    Page("/jobs/{job_id}", "job.html", "jobs"),
    Page("/nodes", "nodes.html", "nodes"),
    Page("/nodes/{node_name}", "node.html", "nodes"),
    Page("/monitoring", "monitoring.html", "monitoring"),
    Page("/audit", "audit.html", "audit"),
)


def _handler(page: Page) -> Callable[[Request, RuntimeDep], HTMLResponse]:
    def render_page(request: Request, runtime: RuntimeDep) -> HTMLResponse:
        # Path values (job_id, node_name) go to the template as they are: Jinja escapes them.
        return _render(request, runtime, page.template, page.section, **page.context(), **request.path_params)

    return render_page


for _page in PAGES:
    router.add_api_route(_page.path, _handler(_page), methods=["GET"], name=Path(_page.template).stem)


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
    response.set_cookie(
        LANG_COOKIE,
        language,
        max_age=ONE_YEAR,
        samesite="lax",
        httponly=True,
        secure=request.url.scheme == "https",
    )
    return response
