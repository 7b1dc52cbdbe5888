"""The web interface: server-rendered pages, their JavaScript modules and CSS, and the EN/FR catalogs.

`install_ui(app)` adds the page routes and the static files (the chart library is vendored under
webapi/ui/vendor/, never loaded from a CDN).
"""

from __future__ import annotations

from fastapi import FastAPI

from webapi.core.routing import add_routes
from webapi.ui.assets import STATIC_DIR, SecureStaticFiles
from webapi.ui.assets import router as assets_router
from webapi.ui.pages import router as pages_router


def install_ui(app: FastAPI) -> None:
    add_routes(app, pages_router)
    # The vendor route must come before the mount, which would otherwise answer every /static path.
    add_routes(app, assets_router)
    app.mount("/static", SecureStaticFiles(directory=STATIC_DIR), name="static")
