"""`analysis` end to end: a scraping job's pages split across two dispynodes, merged by the service."""

from __future__ import annotations

from tests.jobs.site import serving
from tests.support.jobs import log_text, submit, wait_done
from tests.support.processes import wait_until


def test_analysis_of_a_scraping_job_split_across_two_nodes(start_node, make_client):
    first, second = start_node(cpus=1), start_node(host="127.0.0.2", cpus=1)
    client = make_client([first, second], scrape_allow_private=True)
    wait_until(
        lambda: sum(n.state == "up" for n in client.app.state.runtime.jobs.node_states()) == 2, timeout=20
    )
    with serving() as site:
        crawl = wait_done(
            client, submit(client, "scraping", {"start_url": site.base + "/", "delay_s": 0})["id"]
        )
    assert crawl["status"] == "succeeded"
    params = {"source_job_id": crawl["id"], "chunk_size": 1, "top_terms": 2}
    done = wait_done(client, submit(client, "analysis", params)["id"])
    assert done["status"] == "succeeded", done
    result = done["result"]
    assert result["records"] == 4 and result["chunks"] == 4
    assert result["status_codes"] == {"200": 3, "404": 1}
    assert result["content_types"] == {"text/html": 4}
    assert result["top_terms"] == [{"term": "page", "count": 3}, {"term": "about", "count": 1}]
    assert (
        result["bytes"]["count"] == 4
        and result["bytes"]["min"] <= result["bytes"]["p50"] <= result["bytes"]["max"]
    )
    logs = log_text(client, done["id"])
    assert f"running on {first.spec}" in logs and f"running on {second.spec}" in logs
    assert done["progress"] == 100.0


def test_analysis_of_inline_records(start_node, make_client):
    client = make_client([start_node()])
    records = [
        {"status": 200, "bytes": size, "elapsed_ms": size / 10, "title": "Cluster node"}
        for size in range(1, 101)
    ]
    done = wait_done(client, submit(client, "analysis", {"records": records, "chunk_size": 30})["id"])
    assert done["status"] == "succeeded", done
    assert done["result"]["chunks"] == 4
    assert done["result"]["bytes"] | {} == {
        "count": 100,
        "min": 1.0,
        "max": 100.0,
        "mean": 50.5,
        "p50": 50.0,
        "p90": 90.0,
        "p99": 99.0,
    }
    assert done["result"]["top_terms"] == [{"term": "cluster", "count": 100}, {"term": "node", "count": 100}]
