"""The textfile collector side by side with Debian's node_exporter reading the same directories."""

import httpx
import pytest

from tests.exporter.collectors.test_textfile import GOOD, write
from tests.exporter.test_web_tls import prometheus_scrapes
from tests.exporter.trees import EXPORTER
from tests.support.processes import free_port, require_binary, running

# Counters declared without `_total` are served untyped by us (see exporter.collectors.textfile.BareCounter).
BARE_COUNTERS = {"jobs_done"}
OTHERS = ("go_", "process_", "python_", "promhttp_", "node_scrape_", "node_exporter", "dispycluster_")


def series(text):
    """{series as written: value} of what a textfile directory contributes, and {family: (type, HELP)}.

    Samples are read line by line: prometheus_client's parser would rename a counter declared without _total.
    """
    values, families = {}, {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name, _, documentation = line[7:].partition(" ")
            families[name] = documentation
        elif line.startswith("# TYPE "):
            name, _, kind = line[7:].partition(" ")
            families[name] = (kind, families[name])
        elif line:
            written, _, value = line.rpartition(" ")
            values[written] = float(value)
    keep = [name for name in families if not name.startswith(OTHERS)]
    return (
        {k: v for k, v in values.items() if k.startswith(tuple(keep))},
        {name: families[name] for name in keep},
    )


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    node_exporter = require_binary("prometheus-node-exporter", "node_exporter")
    root = tmp_path_factory.mktemp("textfile")
    directory = root / "textfiles"
    directory.mkdir()
    write(directory / "backup.prom", GOOD)
    write(directory / "broken.prom", "broken{ 1\n")
    write(directory / "disks.prom", 'disk_ok{disk="sda"} 1\n')
    write(directory / "more.prom", 'disk_ok{disk="sdb"} 0\n')
    # Debian's node_exporter (1.5) takes one directory; several are tested in the collector's tests.
    flags = [
        "--collector.disable-defaults",
        "--collector.textfile",
        f"--collector.textfile.directory={directory}",
    ]
    theirs_port, ours_port = free_port(), free_port()
    theirs, ours = f"http://127.0.0.1:{theirs_port}/metrics", f"http://127.0.0.1:{ours_port}/metrics"
    with (
        running(
            [node_exporter, f"--web.listen-address=127.0.0.1:{theirs_port}", *flags],
            log_path=root / "node_exporter.log",
            ready_url=theirs,
        ),
        running(
            [EXPORTER, f"--web.listen-address=127.0.0.1:{ours_port}", *flags],
            log_path=root / "ours.log",
            ready_url=ours,
        ),
    ):
        yield httpx.get(theirs), httpx.get(ours), root


def test_same_series_and_values_as_node_exporter(both):
    theirs, ours, _ = both
    assert theirs.status_code == ours.status_code == 200
    their_values, their_families = series(theirs.text)
    our_values, our_families = series(ours.text)
    assert our_values == their_values
    assert their_values["node_textfile_scrape_error"] == 1
    assert 'disk_ok{disk="sdb"}' in their_values
    assert our_families.keys() == their_families.keys()
    for name in BARE_COUNTERS:
        assert their_families.pop(name) == ("counter", our_families[name][1])
        assert our_families.pop(name)[0] == "untyped"
    assert our_families == their_families


def test_the_broken_file_is_named_in_the_log(both):
    _, _, root = both
    log = (root / "ours.log").read_text()
    assert f"textfile {root / 'textfiles' / 'broken.prom'} refused: not in the text format" in log


def test_a_real_prometheus_ingests_every_kind_of_textfile_family(tmp_path):
    # Prometheus asks for OpenMetrics, which is stricter than the text format: one bad line fails the scrape.
    directory = tmp_path / "textfiles"
    directory.mkdir()
    write(directory / "backup.prom", GOOD)
    write(directory / "summary.prom", '# TYPE lat summary\nlat{quantile="0.5"} 0.2\nlat_sum 3\nlat_count 7\n')
    port = free_port()
    argv = [
        EXPORTER,
        f"--web.listen-address=127.0.0.1:{port}",
        "--collector.disable-defaults",
        "--collector.textfile",
        f"--collector.textfile.directory={directory}",
    ]
    url = f"http://127.0.0.1:{port}/metrics"
    with running(argv, log_path=tmp_path / "ours.log", ready_url=url):
        seen = prometheus_scrapes(
            tmp_path, [{"job_name": "node", "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]}]
        )
    assert seen == {"node": ("up", "")}
