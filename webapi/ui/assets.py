"""Static files of the UI, and the vendored chart library (webapi/ui/vendor/, never a CDN).

The chart library is served at a URL carrying a hash of its content, gzip-compressed once at first use,
with a one-year immutable cache: a browser downloads it once per version, and a new version gets a new URL.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from webapi.core.errors import ApiError
from webapi.ui.headers import secure_asset

STATIC_DIR = Path(__file__).parent / "static"
VENDOR_DIR = Path(__file__).parent / "vendor"
PLOTLY_FILE = VENDOR_DIR / "plotly-basic.min.js"
IMMUTABLE = "public, max-age=31536000, immutable"

router = APIRouter(include_in_schema=False)


class SecureStaticFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        return secure_asset(await super().get_response(path, scope))


@dataclass(frozen=True)
class VendorAsset:
    name: str
    digest: str
    raw: bytes
    gzipped: bytes

    @property
    def url(self) -> str:
        return f"/static/vendor/{self.digest}/{self.name}"


@cache
def plotly_asset() -> VendorAsset:
    raw = PLOTLY_FILE.read_bytes()
    return VendorAsset(
        name=PLOTLY_FILE.name,
        digest=hashlib.sha256(raw).hexdigest()[:16],
        raw=raw,
        gzipped=gzip.compress(raw, compresslevel=9, mtime=0),
    )


# `import … from "./x.js"` / `"../x.js"` (our modules import only relative paths, statically).
_IMPORT = re.compile(r"""^import\s[^;]*?\sfrom\s+["'](\.{1,2}/[^"']+\.js)["'];""", re.MULTILINE | re.DOTALL)


@cache
def module_graph(entry: str) -> tuple[str, ...]:
    """URLs of every module `entry` (a path under static/js/) imports, directly or not: the page names
    them all for preloading, so the browser fetches them at once instead of one import level at a time."""
    js_dir = (STATIC_DIR / "js").resolve()
    seen: dict[Path, None] = {}
    pending = [js_dir / entry]
    while pending:
        path = pending.pop()
        for target in _IMPORT.findall(path.read_text(encoding="utf-8")):
            resolved = (path.parent / target).resolve()
            if resolved not in seen and resolved.is_relative_to(js_dir) and resolved.is_file():
                seen[resolved] = None
                pending.append(resolved)
    return tuple(sorted(f"/static/js/{path.relative_to(js_dir).as_posix()}" for path in seen))


def _accepts_gzip(request: Request) -> bool:
    return any(
        part.split(";")[0].strip() == "gzip" for part in request.headers.get("accept-encoding", "").split(",")
    )


@router.get("/static/vendor/{digest}/{name}")
def vendor_asset(request: Request, digest: str, name: str) -> Response:
    asset = plotly_asset()
    if name != asset.name or digest != asset.digest:
        raise ApiError(404, f"no vendored asset {digest}/{name}; this version serves {asset.url}")
    headers = {"Cache-Control": IMMUTABLE, "Vary": "Accept-Encoding"}
    if _accepts_gzip(request):
        headers["Content-Encoding"] = "gzip"
        body = asset.gzipped
    else:
        body = asset.raw
    return secure_asset(Response(body, media_type="text/javascript", headers=headers))
