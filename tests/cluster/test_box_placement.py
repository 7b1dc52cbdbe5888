"""Where jobs go, on real dispynodes in the box: placement by node and by label, one job per machine
(`each_node`), a drained machine keeping its pinned jobs queued until it is resumed, and the health guards
(a hot Pi, a Pi under-voltage) keeping jobs off a machine until its condition clears."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.cluster_box import ClusterBox, Service
from webapi.jobs.dispatch.guards import threshold

pytestmark = pytest.mark.slow

# A guard clears at its first scrape under the clear level (no hold time), so the test waits for events.
GUARD_SETTINGS = {"guard_clear_after_s": 0, "guard_temperature_margin": 5.0}


def _done(service: Service, job: dict[str, Any]) -> dict[str, Any]:
    """The job once it ended, which must be a success."""
    done = service.wait_for_job(job["id"], "succeeded", "failed", "lost", "cancelled")
    assert done["status"] == "succeeded", done
    return done


def _waits(service: Service, job: dict[str, Any], words: str) -> dict[str, Any]:
    """The queued job, once its waiting reason says `words`."""
    queued = service.job(job["id"])
    assert queued["status"] == "queued" and words in (queued["waiting_reason"] or ""), queued
    return queued


def test_placement_fan_out_and_drain_decide_which_machine_runs_a_job(cluster: ClusterBox):
    arch = cluster.machines["m1"].labels["arch"]
    with_arch = {name for name, machine in cluster.machines.items() if machine.labels["arch"] == arch}
    assert "m3" not in with_arch  # the label tells machines apart, or the test would prove nothing
    # m2's fixture tree is a Pi 5 at its soft temperature limit now, which the power guard keeps off jobs:
    # here it only had it since boot, so that all three machines take jobs.
    cluster.machines["m2"].set_firmware_flags(0x80000)
    with cluster.service() as service:
        # By name: only m3, even for jobs the other (idle) machines could have taken.
        pinned = [service.run_command(["true"], placement={"nodes": ["m3"]}) for _ in range(3)]
        assert {_done(service, job)["node"] for job in pinned} == {"m3"}

        # By label: several jobs, every one on a machine carrying it.
        labelled = [
            service.run_command(["sleep", "1"], placement={"labels": {"arch": arch}}) for _ in range(4)
        ]
        assert {_done(service, job)["node"] for job in labelled} <= with_arch

        # One job per machine, each pinned to and run on its own machine.
        template = {"name": "where", "type": "processing", "parameters": {"command": ["true"]}}
        answer = service.request("POST", "/api/jobs/batch", json={"template": template, "each_node": True})
        assert answer.status_code == 201, answer.text
        fanned = answer.json()["items"]
        assert sorted(job["placement"]["nodes"][0] for job in fanned) == sorted(cluster.machines)
        for job in fanned:
            assert _done(service, job)["node"] == job["placement"]["nodes"][0]

        # Drained: m2 says so with the reason; a job pinned to it waits, naming the drain.
        drain = service.request("POST", "/api/cluster/nodes/m2/drain", json={"reason": "new fan"})
        assert drain.status_code == 200, drain.text
        node = drain.json()
        assert node["schedulable"] is False and "new fan" in node["unschedulable_reason"], node
        held = service.run_command(["true"], placement={"nodes": ["m2"]})
        # Another job, free to go anywhere, runs meanwhile: the held one is not waiting for its turn.
        other = _done(service, service.run_command(["true"]))
        assert other["node"] != "m2", other
        _waits(service, held, "is drained (new fan)")

        resumed = service.request("POST", "/api/cluster/nodes/m2/resume")
        assert resumed.status_code == 200 and resumed.json()["schedulable"] is True, resumed.text
        assert _done(service, held)["node"] == "m2"


def test_a_guard_keeps_jobs_off_a_hot_or_under_powered_pi_until_it_clears(cluster: ClusterBox):
    m1 = cluster.machines["m1"]
    hot = threshold("temperature_celsius", "warning")
    with cluster.service(**GUARD_SETTINGS) as service:
        # As its fixture tree starts, m2 is a Pi 5 at its soft temperature limit now: throttled, no jobs.
        throttled = service.wait_for_node("m2", lambda node: node["schedulable"] is False)
        assert "is throttled" in throttled["unschedulable_reason"], throttled

        m1.set_temperature(hot)
        tripped = service.wait_for_node("m1", lambda node: node["schedulable"] is False)
        assert "too hot" in tripped["unschedulable_reason"], tripped
        held = service.run_command(["true"], placement={"nodes": ["m1"]})
        assert _done(service, service.run_command(["true"]))["node"] != "m1"
        _waits(service, held, "m1 is too hot")

        m1.set_temperature(hot - float(GUARD_SETTINGS["guard_temperature_margin"]) - 1)
        assert _done(service, held)["node"] == "m1"
        assert service.node("m1")["schedulable"] is True

        m1.set_firmware_flags(0x1)  # under-voltage now
        tripped = service.wait_for_node("m1", lambda node: node["schedulable"] is False)
        assert "under-voltage" in tripped["unschedulable_reason"], tripped
        held = service.run_command(["true"], placement={"nodes": ["m1"]})
        assert _done(service, service.run_command(["true"]))["node"] != "m1"
        _waits(service, held, "under-voltage")

        m1.set_firmware_flags(0x10000)  # under-voltage since boot only: the Pi is fine now
        assert _done(service, held)["node"] == "m1"
