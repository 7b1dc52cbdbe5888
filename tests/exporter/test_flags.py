from pathlib import Path

import pytest

from exporter.collectors import COLLECTORS, DEFAULT_ENABLED
from exporter.config import DEFAULT_MOUNT_POINTS_EXCLUDE, DEFAULT_NETSTAT_FIELDS, DEFAULT_VMSTAT_FIELDS
from exporter.flags import parse


def test_defaults_are_node_exporters():
    options = parse([])
    assert options.listen_address == ":9100"
    assert options.telemetry_path == "/metrics"
    assert options.collectors == sorted(DEFAULT_ENABLED)
    # Off by default upstream: asked for by name, never by default.
    assert "systemd" not in options.collectors
    assert {"processes", "interrupts"} <= COLLECTORS.keys() - DEFAULT_ENABLED
    assert options.exporter_metrics
    assert options.config.paths.procfs == Path("/proc")
    assert options.config.mount_points_exclude == DEFAULT_MOUNT_POINTS_EXCLUDE
    assert options.config.netdev_device_exclude is None
    assert options.config.mount_timeout == 5.0
    assert options.config.vmstat_fields == DEFAULT_VMSTAT_FIELDS
    assert {"timex", "vmstat", "filefd", "pressure", "entropy"} <= set(options.collectors)


def test_systemd_on_demand_with_its_options():
    options = parse(
        [
            "--collector.systemd",
            "--collector.systemd.unit-include=dispy.+",
            "--collector.systemd.enable-restarts-metrics",
        ]
    )
    assert "systemd" in options.collectors
    assert options.config.systemd_unit_include.pattern == "dispy.+"
    assert options.config.systemd_unit_exclude.fullmatch("boot.mount")
    assert options.config.systemd_restarts
    assert not options.config.systemd_tasks
    assert not options.config.systemd_start_time


def test_an_empty_systemd_unit_pattern_is_refused(capsys):
    with pytest.raises(SystemExit):
        parse(["--collector.systemd.unit-include="])
    assert "a systemd unit pattern cannot be empty" in capsys.readouterr().err


def test_proc_collector_options_default_to_node_exporters():
    config = parse([]).config
    assert config.netstat_fields == DEFAULT_NETSTAT_FIELDS
    assert config.netstat_fields.search("TcpExt_TCPSynRetrans")
    assert not config.netstat_fields.search("TcpExt_TCPSackRecovery")
    assert (config.arp_device_include, config.arp_device_exclude) == (None, None)
    assert (config.interrupts_name_include, config.interrupts_name_exclude) == (None, None)
    assert config.interrupts_include_zeros
    options = parse(
        ["--collector.processes", "--collector.interrupts", "--no-collector.interrupts.include-zeros"]
    )
    assert {"processes", "interrupts"} <= set(options.collectors)
    assert not options.config.interrupts_include_zeros


@pytest.mark.parametrize("prefix", ["--collector.arp.device", "--collector.interrupts.name"])
def test_include_and_exclude_filters_are_mutually_exclusive(prefix, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse([f"{prefix}-include=a", f"{prefix}-exclude=b"])
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_collectors_can_be_turned_off_or_picked_from_nothing():
    assert "hwmon" not in parse(["--no-collector.hwmon"]).collectors
    assert parse(["--collector.disable-defaults", "--collector.cpu", "--collector.dispy"]).collectors == [
        "cpu",
        "dispy",
    ]


@pytest.mark.parametrize(("text", "seconds"), [("5s", 5.0), ("500ms", 0.5), ("1m", 60.0), ("2.5", 2.5)])
def test_mount_timeout_durations(text, seconds):
    assert parse([f"--collector.filesystem.mount-timeout={text}"]).config.mount_timeout == seconds


def test_regex_flags_compile_and_empty_means_no_filter():
    options = parse(
        ["--collector.netdev.device-exclude=^(lo|docker\\d+)$", "--collector.diskstats.device-exclude="]
    )
    assert options.config.netdev_device_exclude.search("docker0")
    assert options.config.diskstats_device_exclude is None
    assert parse(["--collector.vmstat.fields=^nr_"]).config.vmstat_fields.search("nr_free_pages")
    assert parse(["--collector.vmstat.fields="]).config.vmstat_fields is None


def test_paths_and_web_flags():
    options = parse(
        [
            "--path.procfs=/host/proc",
            "--path.rootfs=/host",
            "--web.listen-address=[::1]:9200",
            "--web.telemetry-path=/node",
            "--web.disable-exporter-metrics",
        ]
    )
    assert options.config.paths.procfs == Path("/host/proc")
    assert options.config.paths.root("/boot") == Path("/host/boot")
    assert options.config.paths.strip_root("/host/boot") == "/boot"
    assert options.listen_address == "[::1]:9200"
    assert options.telemetry_path == "/node"
    assert not options.exporter_metrics
