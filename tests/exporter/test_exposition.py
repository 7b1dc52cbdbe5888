"""The exporter's writer gives exactly prometheus_client's bytes, and hands it what it does not write."""

import gzip
import zlib

import pytest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    InfoMetricFamily,
    Metric,
    UnknownMetricFamily,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.utils import floatToGoString

from exporter.collectors import DEFAULT_ENABLED
from exporter.config import Config
from exporter.exposition import (
    Block,
    Body,
    Frozen,
    Kept,
    Parts,
    UnsupportedError,
    Writer,
    go_float,
    negotiate,
)
from exporter.scrape import NodeExporter
from tests.exporter.trees import TREES, fixture_config

ACCEPTS = [
    "",
    "text/plain;version=0.0.4",
    # Prometheus' own header.
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
    "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8",
    "application/openmetrics-text",
    "application/openmetrics-text;version=1.0.0;escaping=dots",
    "text/plain;version=1.0.0;escaping=underscores",
]


def same_bytes(families: list[Metric], accept: str) -> None:
    library, library_type = choose_encoder(accept)
    encoder, content_type = negotiate(accept, Writer())
    assert content_type == library_type
    assert bytes(encoder(families)) == library(Frozen(families))


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("tree", [*TREES, "this machine"])
def test_every_collector_encodes_as_the_library_does(tree, accept):
    config = Config() if tree == "this machine" else fixture_config(tree)
    same_bytes(list(NodeExporter(config, DEFAULT_ENABLED).registry().collect()), accept)


def awkward_families() -> list[Metric]:
    gauge = GaugeMetricFamily("awkward", 'HELP with "quotes", a \\ and a\nnewline', labels=["path", "n"])
    gauge.add_metric(['C:\\dir "x"\nnext', "1"], 1e21)
    gauge.add_metric(["é€", "2"], float("inf"))
    gauge.add_metric(["", "3"], float("-inf"))
    gauge.add_metric(["a", "4"], float("nan"))
    gauge.add_metric(["b", "5"], 1234567.0)
    gauge.add_metric(["c", "6"], 12345678.9)
    gauge.add_metric(["d", "7"], -98765432.1)
    gauge.add_metric(["e", "8"], 3)
    gauge.add_metric(["f", "9"], 1e-7)
    counter = CounterMetricFamily("things", "Things.", labels=["kind"])
    counter.add_metric(["x"], 2)
    untyped = UnknownMetricFamily("node_vmstat_pgfault", "/proc/vmstat information field pgfault.")
    untyped.add_metric([], 5123456789.0)
    return [gauge, counter, untyped]


@pytest.mark.parametrize("accept", ACCEPTS)
def test_escapes_and_special_values_as_the_library_writes_them(accept):
    same_bytes(awkward_families(), accept)


def unsupported_families() -> list[Metric]:
    with_unit = GaugeMetricFamily("temperature_celsius", "Unit.", unit="celsius")
    with_unit.add_metric([], 1.0)
    info = InfoMetricFamily("build", "Info.", value={"version": "1"})
    histogram = HistogramMetricFamily(
        "latency_seconds", "Histogram.", buckets=[("1", 1), ("+Inf", 2)], sum_value=3
    )
    colon = GaugeMetricFamily("job:rate:sum", "Recording-rule style name.")
    colon.add_metric([], 1.0)
    stamped = GaugeMetricFamily("stamped", "With a timestamp.", labels=["a"])
    stamped.add_metric(["b"], 1.0, timestamp=1700000000.5)
    created = CounterMetricFamily("made", "With _created.", created=1700000000.0)
    created.add_metric([], 1.0, created=1700000000.0)
    return [with_unit, info, histogram, colon, stamped, created]


@pytest.mark.parametrize("family", unsupported_families(), ids=lambda family: family.name)
def test_what_the_writer_does_not_write_goes_to_the_library(family):
    with pytest.raises(UnsupportedError):
        Writer().text([family])
    with pytest.raises(UnsupportedError):
        Writer().openmetrics([family])
    for accept in ACCEPTS:
        same_bytes([*awkward_families(), family], accept)


@pytest.mark.parametrize("value", [0.0, -0.0, 1.0, 0.1, 100000.0, 1000000.0, 9999999.0, 1e22, -1e22, 5e-324])
def test_go_float_is_the_librarys(value):
    assert go_float(value) == floatToGoString(value)


def kept_families(kept: Kept) -> list[Metric]:
    part = GaugeMetricFamily("cron_ok", "Cron job done.", labels=["job"])
    part.add_metric(["backup"], 1.0)
    other = UnknownMetricFamily("queue_length", "")
    other.add_metric([], 7.0)
    return [
        Parts("cron_ok", "Cron job done.", "gauge", [part], kept),
        Parts("queue_length", "Q.", "unknown", [other], kept),
    ]


@pytest.mark.parametrize("accept", ACCEPTS)
def test_kept_families_are_written_once_per_format_as_the_library_writes_them(accept):
    kept = Kept()
    families = [*awkward_families()[:1], *kept_families(kept), *awkward_families()[1:]]
    same_bytes(families, accept)
    writer = Writer()
    encoder, _ = negotiate(accept, writer)
    first, second = encoder(families), encoder(families)
    blocks = [chunk for chunk in first.chunks if isinstance(chunk, Block)]
    if blocks:  # written by the writer, not by the library
        assert [chunk for chunk in second.chunks if isinstance(chunk, Block)] == blocks
        assert len(blocks) == 1
        assert b"cron_ok" in blocks[0].data
        assert b"queue_length" in blocks[0].data
        assert b"awkward" not in blocks[0].data


def test_a_gzip_body_pieced_from_kept_blocks_decompresses_to_the_same_bytes():
    kept = Block(b"".join(b'textfile_series{n="%d"} %d\n' % (n, n) for n in range(5000)))
    bodies = [
        Body([b"# HELP a A.\n", kept, b"# EOF\n"]),
        Body([kept]),
        Body([b"x 1\n", b"", kept, kept, b"y 2\n"]),
        Body([b""]),
        Body([]),
    ]
    for body in bodies:
        compressed = body.gzip(1)
        # Strict decoders: zlib checks the CRC and the length in the trailer, and that nothing follows.
        assert zlib.decompress(compressed, wbits=31) == bytes(body)
        assert gzip.decompress(compressed) == bytes(body)
    assert len(bodies[1].gzip(1)) < len(kept.data) // 4
