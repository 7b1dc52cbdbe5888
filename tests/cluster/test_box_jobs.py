"""Jobs across the cluster in a box: three machines on their own addresses, the dispy secret, nodes
calling back to the service over the bridge; and a machine cut off mid-job, whose job is lost, retried on
another machine, and whose late result, once the cable is back, is recorded without touching the retry's
outcome."""

from __future__ import annotations

import os
import stat

import pytest

from tests.support.cluster_box import SECRET, SERVICE_PORT, ClusterBox

pytestmark = pytest.mark.slow


def test_jobs_run_on_the_three_machines_over_their_bridge_addresses_with_the_secret(cluster: ClusterBox):
    with cluster.service() as service:
        # The inventory names each machine by its bridge address; the monitoring scraped each exporter
        # there (every machine shows the data of its own fixture tree), and dispy found each node there.
        nodes = {node["name"]: node for node in service.get("/api/cluster/nodes")}
        assert set(nodes) == set(cluster.machines)
        temperatures = set()
        for name, machine in cluster.machines.items():
            node = nodes[name]
            assert (node["address"], node["exporter"]) == (machine.address, machine.exporter_address)
            assert not machine.address.startswith("127.")
            assert node["status"] == "online" and node["temperature_celsius"] is not None, node
            assert node["dispy"]["state"] == "up" and node["dispy"]["cpus"] == 1, node
            temperatures.add(node["temperature_celsius"])
        assert len(temperatures) == len(cluster.machines), temperatures

        # The service listens, and its dispy client waits for the nodes' calls, on its bridge address.
        listening = cluster.service_host.run(["ss", "-Htln"]).stdout
        address = cluster.service_host.address
        assert f"{address}:{SERVICE_PORT} " in listening and f"{address}:9700 " in listening, listening

        # Six one-second jobs on three one-CPU nodes: dispy spreads them, each result comes back.
        jobs = [service.run_command(["sleep", "1"], name=f"spread {i}") for i in range(6)]
        ran_on = set()
        for job in jobs:
            done = service.wait_for_job(job["id"], "succeeded", "failed", "lost", timeout=60)
            assert done["status"] == "succeeded", done
            ran_on.add(done["node"])
        assert ran_on == set(cluster.machines)

    # The secret reached each dispynode through a 0600 file, never its command line.
    for machine in cluster.machines.values():
        pid = machine.pids["dispynode"]
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            assert SECRET.encode() not in cmdline.read()
        config = machine.root.parent / "dispynode" / "dispynode.conf"
        assert stat.S_IMODE(os.stat(config).st_mode) == 0o600
        assert SECRET in config.read_text().replace("%%", "%")


def test_a_machine_cut_off_mid_job_loses_it_to_a_retry_and_its_late_result_is_only_logged(
    cluster: ClusterBox,
):
    with cluster.service() as service:
        # Prints where it ran: the two attempts are told apart by their output.
        command = ["sh", "-c", "sleep 4; ip -4 -o addr show eth0"]
        job = service.run_command(command, max_retries=1)
        first = service.wait_for_job(job["id"], "running", timeout=30)["node"]
        cluster.cut(first)

        # The node misses its pulses: the attempt is lost and the job runs again elsewhere.
        retried = service.wait_for_job(job["id"], "succeeded", "failed", "lost", timeout=60)
        assert retried["status"] == "succeeded", retried
        assert retried["attempts"] == 2 and retried["node"] not in (None, first), retried
        logs = service.logs(job["id"])
        texts = [line["text"] for line in logs]
        lost = f"lost: node {first} stopped answering; retrying"
        assert any(text.startswith(lost) for text in texts), texts
        second = cluster.machines[retried["node"]]
        assert any(line["stream"] == "stdout" and second.address in line["text"] for line in logs), texts

        # The cable back: the first machine's dispynode sends the result it kept, which goes to the log.
        cluster.restore(first)
        late = f"late result: attempt 1 ended on {first} after the service had given it up: succeeded"
        service.wait_for_log(job["id"], late)
        after = service.job(job["id"])
        assert {key: after[key] for key in ("status", "node", "attempts", "result", "finished_at")} == {
            key: retried[key] for key in ("status", "node", "attempts", "result", "finished_at")
        }
        first_address = cluster.machines[first].address
        outputs = [line["text"] for line in service.logs(job["id"]) if line["text"].startswith("[attempt 1]")]
        assert any(first_address in text for text in outputs), outputs
