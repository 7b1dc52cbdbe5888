import time

import yaml

from tests.support.processes import wait_until


def by_name(rows):
    return {row["name"]: row for row in rows}


def test_overview_counts_nodes_and_probes_every_part(cluster):
    with cluster.service.client() as client:
        body = client.get("/api/cluster/overview").json()
    assert body["status"] == "degraded"
    assert body["nodes"] == {"total": 3, "online": 2, "offline": 1, "unknown": 0}
    assert 0 <= body["averages"]["cpu_percent"] <= 100
    assert 0 < body["averages"]["memory_percent"] < 100
    assert 0 < body["averages"]["disk_percent"] <= 100
    parts = {part["name"]: part["status"] for part in body["parts"]}
    assert parts["collector"] == "ok" and parts["database"] == "ok"
    assert any("dead" in issue for issue in body["issues"])
    assert "jobs" in body and body["timestamp"].endswith("Z")


def test_nodes_are_summarised_with_status_and_reason(cluster):
    with cluster.service.client() as client:
        rows = by_name(client.get("/api/cluster/nodes").json())
    assert set(rows) == {"stock", "ours", "dead"}
    for name in ("stock", "ours"):
        node = rows[name]
        assert node["status"] == "online" and node["reason"] is None and node["last_seen"]
        assert node["uptime_seconds"] > 0 and node["load1"] is not None
        assert node["network_rx_bps"] is not None and node["labels"] == {"kind": name}
        assert node["dispy"] is None or isinstance(node["dispy"], dict)
        # This machine is no Raspberry Pi: its power flags are unknown, not "fine".
        flags = ("under_voltage", "under_voltage_since_boot", "throttled")
        assert [node[flag] for flag in flags] == [None, None, None]
    dead = rows["dead"]
    assert dead["status"] == "offline" and "connection" in dead["reason"]
    assert dead["cpu_percent"] is None and dead["last_seen"] is None


def test_node_detail_has_cpus_filesystems_interfaces_and_history(cluster):
    with cluster.service.client() as client:
        body = client.get("/api/cluster/nodes/stock", params={"hours": 2}).json()
    assert body["history_hours"] == 2
    assert body["per_cpu_percent"] and "/" in {fs["mountpoint"] for fs in body["filesystems"]}
    assert all(i["device"] != "lo" for i in body["interfaces"])
    points = body["history"]["memory_percent"]
    assert len(points) >= 2 and all(0 < value < 100 for _, value in points)


def test_node_detail_refuses_bad_input(cluster):
    with cluster.service.client() as client:
        missing = client.get("/api/cluster/nodes/nope")
        assert missing.status_code == 404
        assert missing.json()["error"]["message"] == "Unknown node 'nope': it is not in the inventory"
        for hours in (0, 721, "x"):
            bad = client.get("/api/cluster/nodes/stock", params={"hours": hours})
            assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["loc"] == "query.hours"


def test_health_gives_the_issues_in_words(cluster):
    with cluster.service.client() as client:
        body = client.get("/api/cluster/health").json()
    assert (body["status"], body["nodes_online"], body["nodes_total"]) == ("degraded", 2, 3)
    assert "1 of 3 nodes offline: dead" in body["issues"]


def test_targets_in_http_sd_format(cluster):
    with cluster.service.client() as client:
        groups = client.get("/api/cluster/targets").json()
    assert {g["labels"]["node"]: g["targets"] for g in groups} == {n: [a] for n, a in cluster.nodes.items()}


def test_manage_the_inventory_through_the_api(cluster):
    with cluster.service.client() as client:
        created = client.post(
            "/api/cluster/nodes",
            json={"name": "api-1", "address": "127.0.0.1", "exporter": cluster.nodes["ours"]},
        )
        assert created.status_code == 201 and created.json()["source"] == "api"
        assert client.post("/api/cluster/nodes", json={"name": "api-1", "address": "x"}).status_code == 409
        bad = client.post("/api/cluster/nodes", json={"name": "bad name", "address": "x", "dispy_port": 0})
        assert bad.status_code == 422
        assert {f["loc"] for f in bad.json()["error"]["fields"]} == {"body.name", "body.dispy_port"}
        changed = client.put("/api/cluster/nodes/api-1", json={"labels": {"gpu": "no"}, "dispy_port": 9800})
        assert (changed.json()["labels"], changed.json()["dispy_port"]) == ({"gpu": "no"}, 9800)
        assert client.put("/api/cluster/nodes/none", json={}).status_code == 404
        wait_until(lambda: by_name(client.get("/api/cluster/nodes").json())["api-1"]["status"] == "online")
        assert client.delete("/api/cluster/nodes/api-1").status_code == 204
        assert client.delete("/api/cluster/nodes/api-1").status_code == 404
        assert "api-1" not in by_name(client.get("/api/cluster/nodes").json())


def test_a_changed_inventory_file_is_reloaded_and_api_changes_stay(cluster):
    with cluster.service.client() as client:
        client.put("/api/cluster/nodes/dead", json={"labels": {"kind": "kept"}})
        document = yaml.safe_load(cluster.inventory.read_text())
        document["nodes"].append({"name": "late", "address": "127.0.0.1", "exporter": cluster.nodes["stock"]})
        document["nodes"] = [n for n in document["nodes"] if n["name"] != "dead"]
        time.sleep(0.01)  # a distinct mtime
        cluster.inventory.write_text(yaml.safe_dump(document))
        wait_until(
            lambda: by_name(client.get("/api/cluster/nodes").json()).get("late", {}).get("status") == "online"
        )
        rows = by_name(client.get("/api/cluster/nodes").json())
        assert rows["dead"]["labels"] == {"kind": "kept"} and rows["dead"]["source"] == "api"
