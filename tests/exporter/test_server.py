"""The HTTP side as a real process on loopback: formats, gzip, filters, status codes, where it binds."""

import gzip
from pathlib import Path

import httpx
import pytest

from exporter.server import parse_listen_address
from tests.exporter.trees import EXPORTER, fixture_flags
from tests.support.processes import free_port, running

OPENMETRICS = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"


@pytest.fixture(scope="module")
def pi_exporter(tmp_path_factory):
    """The exporter serving the Raspberry Pi 4 fixture tree on loopback."""
    port = free_port()
    argv = [EXPORTER, f"--web.listen-address=127.0.0.1:{port}", *fixture_flags("rpi4")]
    log = tmp_path_factory.mktemp("exporter") / "exporter.log"
    with running(argv, log_path=log, ready_url=f"http://127.0.0.1:{port}/"):
        yield f"http://127.0.0.1:{port}"


def test_serves_text_format_by_default(pi_exporter):
    response = httpx.get(f"{pi_exporter}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = response.text
    assert 'nodename="pi-node-1"' in text
    assert 'node_thermal_zone_temp{type="cpu-thermal",zone="0"} 48.686' in text
    assert "dispycluster_dispynode_up 1.0" in text
    assert "dispycluster_exporter_build_info{" in text
    assert "process_resident_memory_bytes " in text
    assert "_created" not in text


def test_serves_openmetrics_when_asked(pi_exporter):
    response = httpx.get(f"{pi_exporter}/metrics", headers={"Accept": OPENMETRICS})
    assert response.headers["content-type"].startswith("application/openmetrics-text; version=1.0.0")
    assert response.text.endswith("# EOF\n")
    assert "# TYPE node_cpu_seconds counter" in response.text


def test_gzip_when_asked(pi_exporter):
    # httpx decodes gzip itself: read the raw stream to see the bytes on the wire.
    with httpx.stream("GET", f"{pi_exporter}/metrics", headers={"Accept-Encoding": "gzip"}) as response:
        raw = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "gzip"
    assert b"node_load1 0.52" in gzip.decompress(raw)


def test_collect_filter_keeps_only_the_named_collectors(pi_exporter):
    text = httpx.get(f"{pi_exporter}/metrics", params={"collect[]": ["loadavg", "uname"]}).text
    families = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE node_")}
    assert families == {
        "node_load1",
        "node_load5",
        "node_load15",
        "node_uname_info",
        "node_scrape_collector_duration_seconds",
        "node_scrape_collector_success",
    }
    assert 'node_scrape_collector_success{collector="loadavg"} 1.0' in text


def test_exclude_filter_drops_the_named_collectors(pi_exporter):
    text = httpx.get(f"{pi_exporter}/metrics", params={"exclude[]": "cpu"}).text
    assert "node_cpu_seconds_total" not in text
    assert "node_load1 " in text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"collect[]": "cpu", "exclude[]": "meminfo"}, "mutually exclusive"),
        ({"collect[]": "nosuch"}, "unknown collector: 'nosuch'"),
    ],
)
def test_bad_filters_get_400(pi_exporter, params, message):
    response = httpx.get(f"{pi_exporter}/metrics", params=params)
    assert response.status_code == 400
    assert message in response.text


def test_other_paths(pi_exporter):
    assert httpx.get(f"{pi_exporter}/nope").status_code == 404
    landing = httpx.get(f"{pi_exporter}/")
    assert landing.status_code == 200
    assert 'href="/metrics"' in landing.text


def listening_addresses(port):
    """Local addresses with a listening TCP socket on `port`, from /proc/net/tcp{,6}."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.rsplit(":", 1)
            if state == "0A" and int(port_hex, 16) == port:
                found.add(address)
    return found


def test_binds_only_where_told(pi_exporter):
    port = int(pi_exporter.rsplit(":", 1)[1])
    assert listening_addresses(port) == {"0100007F"}


@pytest.mark.parametrize(
    ("address", "parsed"),
    [(":9100", ("", 9100)), ("127.0.0.1:9100", ("127.0.0.1", 9100)), ("[::1]:9200", ("::1", 9200))],
)
def test_listen_addresses(address, parsed):
    assert parse_listen_address(address) == parsed
