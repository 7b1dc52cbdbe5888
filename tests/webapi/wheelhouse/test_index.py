"""The wheelhouse as a PEP 503 index: listing, names, hashes, and what is never served."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from webapi.app import create_app
from webapi.core.settings import load_settings
from webapi.wheelhouse.index import MAX_FILES, Wheelhouse, normalize, project_of

WHEEL = "prometheus_client-0.26.0-py3-none-any.whl"
SDIST = "psutil-7.2.2.tar.gz"


@pytest.fixture
def wheelhouse_dir(tmp_path: Path) -> Path:
    root = tmp_path / "data" / "wheelhouse"
    root.mkdir(parents=True)
    (root / WHEEL).write_bytes(b"wheel bytes")
    (root / SDIST).write_bytes(b"sdist bytes")
    (root / "notes.txt").write_text("not a distribution")
    (tmp_path / "secret.whl").write_text("outside the wheelhouse")
    (root / "link-1.0-py3-none-any.whl").symlink_to(tmp_path / "secret.whl")
    (root / "sub").mkdir()
    (root / "sub" / "dispy-4.15.2-py3-none-any.whl").write_bytes(b"in a subdirectory")
    return root


@pytest.fixture
def client(tmp_path: Path, wheelhouse_dir: Path):
    with TestClient(create_app(load_settings(data_dir=tmp_path / "data"))) as client:
        yield client


@pytest.mark.parametrize(
    ("name", "normalized"),
    [("Prometheus_Client", "prometheus-client"), ("zope.interface", "zope-interface"), ("a--_.b", "a-b")],
)
def test_names_are_normalized_as_pep_503_says(name: str, normalized: str):
    assert normalize(name) == normalized


@pytest.mark.parametrize(
    ("filename", "project"),
    [
        (WHEEL, "prometheus-client"),
        (SDIST, "psutil"),
        ("zope.interface-6.0.zip", "zope-interface"),
        ("notes.txt", None),
        ("-1.0.tar.gz", None),
    ],
)
def test_the_project_of_a_file(filename: str, project: str | None):
    assert project_of(filename) == project


def test_only_regular_distribution_files_at_the_top_are_listed(wheelhouse_dir: Path):
    wheelhouse = Wheelhouse(wheelhouse_dir)
    assert wheelhouse.projects() == ["prometheus-client", "psutil"]
    assert wheelhouse.find("link", "link-1.0-py3-none-any.whl") is None
    assert Wheelhouse(wheelhouse_dir / "missing").projects() == []


def test_a_hash_follows_the_file(wheelhouse_dir: Path):
    wheelhouse = Wheelhouse(wheelhouse_dir)
    (first,) = wheelhouse.dists("psutil") or []
    assert first.sha256 == hashlib.sha256(b"sdist bytes").hexdigest()
    (wheelhouse_dir / SDIST).write_bytes(b"rebuilt sdist")
    os.utime(wheelhouse_dir / SDIST, ns=(1, 1))
    (second,) = wheelhouse.dists("psutil") or []
    assert second.sha256 == hashlib.sha256(b"rebuilt sdist").hexdigest()


def test_the_listing_is_bounded(tmp_path: Path):
    for i in range(MAX_FILES + 5):
        (tmp_path / f"p{i:05d}-1.0.tar.gz").touch()
    assert len(Wheelhouse(tmp_path).projects()) == MAX_FILES


def test_the_root_page_lists_the_projects(client: TestClient):
    page = client.get("/simple/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<a href="prometheus-client/">prometheus-client</a>' in page.text
    assert '<a href="psutil/">psutil</a>' in page.text
    assert "notes" not in page.text and "link" not in page.text and "dispy" not in page.text


def test_a_project_page_links_its_files_with_their_sha256(client: TestClient):
    page = client.get("/simple/psutil/")
    digest = hashlib.sha256(b"sdist bytes").hexdigest()
    assert f'<a href="{SDIST}#sha256={digest}">{SDIST}</a>' in page.text
    download = client.get(f"/simple/psutil/{SDIST}")
    assert download.status_code == 200 and download.content == b"sdist bytes"
    assert download.headers["content-type"] == "application/octet-stream"


def test_a_name_that_is_not_normalized_is_redirected(client: TestClient):
    response = client.get("/simple/Prometheus_Client/", follow_redirects=False)
    assert response.status_code == 301 and response.headers["location"] == "/simple/prometheus-client/"


@pytest.mark.parametrize(
    "path",
    [
        "/simple/link/link-1.0-py3-none-any.whl",
        "/simple/psutil/..%2F..%2Fsecret.whl",
        "/simple/psutil/%2E%2E/secret.whl",
        "/simple/dispy/dispy-4.15.2-py3-none-any.whl",
        "/simple/sub/dispy-4.15.2-py3-none-any.whl",
        f"/simple/psutil/{WHEEL}",
        "/simple/psutil/notes.txt",
        "/simple/wheelhouse/notes.txt",
        "/simple/../secret.whl",
        "/simple/nothing-here/",
    ],
)
def test_nothing_outside_the_listing_is_served(client: TestClient, path: str):
    response = client.get(path)
    assert response.status_code in (404, 422), (path, response.status_code)
    assert b"outside the wheelhouse" not in response.content and b"in a subdirectory" not in response.content


def test_unknown_projects_say_how_to_build_the_wheelhouse(client: TestClient):
    response = client.get("/simple/nothing-here/")
    assert (
        response.status_code == 404 and "dispycluster wheelhouse build" in response.json()["error"]["message"]
    )


@pytest.mark.parametrize(
    "path", ["/simple/" + "a" * 101 + "/", "/simple/a%20b/", "/simple/psutil/" + "x" * 256]
)
def test_oversized_or_odd_names_are_refused(client: TestClient, path: str):
    assert client.get(path).status_code == 422


def test_the_index_is_read_only(client: TestClient):
    for method in ("POST", "PUT", "DELETE"):
        assert client.request(method, "/simple/psutil/").status_code == 405
