"""The `dispycluster-exporter` command as a real process on loopback."""

import subprocess
from importlib.metadata import version

import httpx
import pytest

from exporter import __version__
from tests.exporter.trees import EXPORTER, FIXTURES
from tests.support.processes import free_port, running


def run_cli(*args):
    return subprocess.run([EXPORTER, *args], check=False, capture_output=True, text=True, timeout=30)


def test_help_documents_the_node_exporter_flags():
    result = run_cli("--help")
    assert result.returncode == 0
    for flag in (
        "--web.listen-address",
        "--web.telemetry-path",
        "--path.procfs",
        "--path.sysfs",
        "--path.rootfs",
        "--collector.cpu, --no-collector.cpu",
        "--collector.disable-defaults",
        "--collector.filesystem.mount-points-exclude",
        "--collector.filesystem.fs-types-exclude",
        "--collector.filesystem.mount-timeout",
        "--collector.diskstats.device-exclude",
        "--collector.netdev.device-exclude",
        "--collector.vmstat.fields",
        "--collector.timex, --no-collector.timex",
        "--collector.pressure, --no-collector.pressure",
        "--web.config.file",
        "--collector.textfile.directory",
        "--collector.rpi, --no-collector.rpi",
    ):
        assert flag in result.stdout
    assert "(default: :9100)" in result.stdout


def test_the_version_is_the_projects():
    assert __version__ == version("dispycluster")
    assert run_cli("--version").stdout == f"dispycluster-exporter {version('dispycluster')}\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--web.listen-adress=:9100"], "unrecognized arguments: --web.listen-adress=:9100"),
        (["--collector.bogus"], "unrecognized arguments: --collector.bogus"),
        (["--collector.diskstats.device-exclude=("], "invalid regular expression '('"),
        (["--collector.filesystem.mount-timeout=soon"], "invalid duration 'soon'"),
        (["--web.listen-address=localhost"], "invalid listen address 'localhost'"),
        (["--web.telemetry-path=metrics"], "must start with /"),
    ],
)
def test_a_bad_flag_exits_2_with_a_clear_message(args, message):
    result = run_cli(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.startswith("usage: dispycluster-exporter")


def test_failing_collector_reports_success_0_and_the_scrape_still_succeeds(tmp_path):
    port = free_port()
    empty_sys = tmp_path / "sys"
    empty_sys.mkdir()
    root = FIXTURES / "x86-server"
    argv = [
        EXPORTER,
        f"--web.listen-address=127.0.0.1:{port}",
        f"--path.procfs={root / 'proc'}",
        f"--path.sysfs={empty_sys}",
        f"--path.rootfs={root / 'rootfs'}",
        "--collector.disable-defaults",
        "--collector.hwmon",
        "--collector.loadavg",
        "--web.telemetry-path=/node",
    ]
    with running(argv, log_path=tmp_path / "exporter.log", ready_url=f"http://127.0.0.1:{port}/"):
        response = httpx.get(f"http://127.0.0.1:{port}/node")
        disabled = httpx.get(f"http://127.0.0.1:{port}/node", params={"collect[]": "cpu"})
    assert response.status_code == 200
    assert 'node_scrape_collector_success{collector="hwmon"} 0.0' in response.text
    assert 'node_scrape_collector_success{collector="loadavg"} 1.0' in response.text
    assert "node_load1 2.1" in response.text
    assert 'collector="cpu"' not in response.text
    assert disabled.status_code == 400
    assert "disabled" in disabled.text
