import asyncio

from sqlalchemy import func, select

from alerts.thresholds import Threshold
from tests.support.processes import free_port, wait_until
from tests.support.webservice import debian_exporter, our_exporter, run_service, write_inventory
from webapi.core.db import migrate
from webapi.core.runtime import Runtime
from webapi.core.settings import load_settings
from webapi.inventory import store
from webapi.inventory.schemas import NodeSpec
from webapi.live import service as live
from webapi.monitoring.alerting.builtin import Evaluator
from webapi.monitoring.collection.tables import SampleRow
from webapi.monitoring.collector import Collector

DOWN = Threshold("NodeDown", "up", "==", 0, 30, "critical", "down", "{node} down for {for_human}", "")


class Clock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def test_a_round_with_an_injected_clock_fires_alerts_publishes_events_and_compacts(tmp_path):
    exporter = debian_exporter(tmp_path)
    settings = load_settings(data_dir=tmp_path, collect_interval=10, collect_timeout=2)
    runtime = Runtime.from_settings(settings)
    migrate.upgrade(runtime.engine)
    clock = Clock(1_000_000.0)
    runtime.clock = clock
    collector = Collector(runtime, evaluator=Evaluator((DOWN,)))
    runtime.monitoring = collector
    live.install(runtime)
    with runtime.sessions() as session:
        store.create_node(session, NodeSpec(name="up", address="127.0.0.1", exporter=exporter.address))
        store.create_node(
            session, NodeSpec(name="gone", address="127.0.0.1", exporter=f"127.0.0.1:{free_port()}")
        )

    async def scenario() -> list[dict]:
        runtime.events.bind_loop(asyncio.get_running_loop())
        await collector.start()
        try:
            async with runtime.events.subscribe() as queue:
                first = await collector.collect()
                assert first.errors.keys() == {"gone"}
                clock.now += 31
                await collector.collect()
                clock.now += 25 * 3600
                await collector.collect()
                await asyncio.sleep(0.5)  # the round's events are published off the round
                messages = []
                while not queue.empty():
                    messages.append(queue.get_nowait().as_message())
                return messages
        finally:
            await collector.stop()

    with exporter.run():
        messages = asyncio.run(scenario())
    types = [m["type"] for m in messages]
    assert {"nodes", "overview", "alert"} <= set(types)
    (alert,) = [m["data"] for m in messages if m["type"] == "alert"]
    assert [(a["name"], a["node"], a["source"]) for a in alert["fired"]] == [("NodeDown", "gone", "builtin")]
    overview = [m["data"] for m in messages if m["type"] == "overview"][-1]
    assert overview["status"] == "critical" and overview["active_alerts"] == 1
    with runtime.sessions() as session:
        resolutions = dict(
            session.execute(select(SampleRow.resolution, func.count()).group_by(SampleRow.resolution)).all()
        )
    # The first two rounds are older than the 24-h raw window after the jump: they became 5-min averages.
    assert set(resolutions) == {0, 300}
    runtime.engine.dispose()


def test_stopping_an_exporter_turns_its_node_offline_and_back_online(tmp_path):
    port = free_port()
    exporters = {"stock": debian_exporter(tmp_path, port), "ours": our_exporter(tmp_path, free_port())}
    inventory = write_inventory(
        tmp_path / "inventory.yaml",
        [{"name": name, "address": "127.0.0.1", "exporter": e.address} for name, e in exporters.items()],
    )
    with (
        exporters["ours"].run(),
        run_service(
            tmp_path, inventory=str(inventory), collect_interval="0.3", collect_timeout="0.25"
        ) as service,
        service.client() as client,
    ):

        def status(name: str) -> str:
            return {n["name"]: n for n in client.get("/api/cluster/nodes").json()}[name]["status"]

        wait_until(lambda: status("ours") == "online")
        with exporters["stock"].run():
            wait_until(lambda: status("stock") == "online")
        wait_until(lambda: status("stock") == "offline", timeout=30)
        reason = {n["name"]: n for n in client.get("/api/cluster/nodes").json()}["stock"]["reason"]
        assert "connection" in reason
        with exporters["stock"].run():
            wait_until(lambda: status("stock") == "online", timeout=30)
        assert status("ours") == "online"


def test_exporter_pages_are_parsed_off_the_event_loop(tmp_path, monkeypatch):
    """A large page takes a while to parse: on the event loop it would stall every API answer."""
    import threading

    from webapi.monitoring import collector as service_module

    exporter = our_exporter(tmp_path)
    runtime = Runtime.from_settings(load_settings(data_dir=tmp_path))
    migrate.upgrade(runtime.engine)
    collector = Collector(runtime)
    runtime.monitoring = collector
    with runtime.sessions() as session:
        store.create_node(session, NodeSpec(name="n1", address="127.0.0.1", exporter=exporter.address))
    parsed_in: list[threading.Thread] = []
    real = service_module.parse_result

    def spy(result, ts):
        parsed_in.append(threading.current_thread())
        return real(result, ts)

    monkeypatch.setattr(service_module, "parse_result", spy)

    async def scenario() -> threading.Thread:
        await collector.start()
        try:
            outcome = await collector.collect()
            assert outcome.succeeded == 1, outcome
        finally:
            await collector.stop()
        return threading.current_thread()

    with exporter.run():
        loop_thread = asyncio.run(scenario())
    assert parsed_in and all(thread is not loop_thread for thread in parsed_in)
    runtime.engine.dispose()
