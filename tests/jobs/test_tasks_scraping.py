"""`scraping` end to end: a local site with robots.txt, through a real dispynode."""

from __future__ import annotations

import pytest

from tests.jobs.site import serving
from tests.support.jobs import submit, wait_done


@pytest.fixture
def site():
    with serving() as site:
        yield site


def test_polite_crawl_of_the_local_site(start_node, make_client, site):
    client = make_client([start_node()], scrape_allow_private=True)
    job = submit(client, "scraping", {"start_url": site.base + "/", "delay_s": 0.05})
    done = wait_done(client, job["id"])
    assert done["status"] == "succeeded", done
    pages = {page["url"].removeprefix(site.base): page for page in done["result"]["pages"]}
    assert set(pages) == {"/", "/a", "/b", "/missing"}
    assert pages["/a"]["title"] == "Alpha page" and pages["/a"]["links"] == 3
    assert pages["/missing"]["status"] == 404 and pages["/"]["content_type"] == "text/html"
    assert pages["/"]["bytes"] > 0 and pages["/"]["elapsed_ms"] >= 0
    assert done["result"]["skipped_by_robots"] == 1
    assert "/private/secret" not in site.paths and site.paths.count("/robots.txt") == 1
    assert all(agent.startswith("DispyClusterBot/") for _path, agent in site.requests)
    assert done["progress"] == 100.0


def test_max_pages_bounds_the_crawl(start_node, make_client, site):
    client = make_client([start_node()], scrape_allow_private=True)
    done = wait_done(
        client, submit(client, "scraping", {"start_url": site.base + "/", "max_pages": 2, "delay_s": 0})["id"]
    )
    assert len(done["result"]["pages"]) == 2


def test_loopback_target_is_refused_without_the_operators_consent(start_node, make_client, site):
    client = make_client([start_node()])
    done = wait_done(client, submit(client, "scraping", {"start_url": site.base + "/"}, max_retries=0)["id"])
    assert done["status"] == "failed"
    assert (
        "loopback/private/link-local" in done["error"]
        and "DISPYCLUSTER_SCRAPE_ALLOW_PRIVATE" in done["error"]
    )
    assert site.requests == []


def test_redirect_to_a_refused_address_is_not_followed(start_node, make_client, site):
    # An allow-list entry names its port: a bare host would allow only port 80 (and 443 for https).
    port = site.base.rsplit(":", 1)[1]
    client = make_client([start_node()], scrape_allow_hosts=[f"localhost:{port}"])
    start = site.base.replace("127.0.0.1", "localhost") + "/redirect"
    done = wait_done(client, submit(client, "scraping", {"start_url": start, "delay_s": 0})["id"])
    assert done["status"] == "succeeded", done
    assert done["result"]["pages"] == []
    assert "127.0.0.1" in done["result"]["errors"][0]["error"]
    assert "/" not in site.paths
