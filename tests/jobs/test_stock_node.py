"""A stock dispynode (its own venv, only `pip install dispy psutil`) runs every built-in task."""

from __future__ import annotations

from tests.jobs.site import serving
from tests.support.jobs import submit, wait_done


def test_stock_dispynode_runs_the_built_in_tasks(start_node, make_client, stock_python):
    node = start_node(python=stock_python)
    client = make_client([node], scrape_allow_private=True)
    echo = wait_done(client, submit(client, "processing", {"command": ["echo", "stock"]})["id"])
    assert echo["status"] == "succeeded" and echo["node"] == node.spec
    with serving() as site:
        crawl = wait_done(
            client, submit(client, "scraping", {"start_url": site.base + "/", "delay_s": 0})["id"]
        )
    assert crawl["status"] == "succeeded" and len(crawl["result"]["pages"]) == 4
    analysis = wait_done(
        client, submit(client, "analysis", {"source_job_id": crawl["id"], "chunk_size": 2})["id"]
    )
    assert analysis["status"] == "succeeded" and analysis["result"]["records"] == 4
