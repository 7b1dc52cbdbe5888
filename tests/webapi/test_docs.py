"""The API documentation pages load everything from the service itself (no CDN: LANs are often offline)."""

import re

import pytest

from tests.support.app import in_process_client
from webapi.core.settings import load_settings

ASSET = re.compile(r"""(?:src|href|spec-url)\s*=\s*['"]([^'"]+)['"]|url:\s*['"]([^'"]+)['"]""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_documentation_assets_are_served_locally(tmp_path, page):
    with in_process_client(load_settings(data_dir=tmp_path)) as client:
        html = client.get(page)
        assert html.status_code == 200
        assets = {a or b for a, b in ASSET.findall(html.text)}
        assert "/openapi.json" in assets
        for asset in assets:
            assert asset.startswith("/"), f"{page} loads {asset} from outside the service"
            assert client.get(asset).status_code == 200, asset
