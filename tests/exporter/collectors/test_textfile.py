import os

import pytest
from prometheus_client.exposition import choose_encoder, generate_latest

from exporter.collectors import textfile
from exporter.collectors.textfile import TextfileCollector, parse_textfile
from exporter.config import Config
from exporter.exposition import Frozen, Writer, negotiate
from exporter.scrape import NodeExporter
from tests.exporter.trees import fixture_config, key, samples

GOOD = """\
# HELP backup_last_success_timestamp_seconds When the last backup finished.
# TYPE backup_last_success_timestamp_seconds gauge
backup_last_success_timestamp_seconds{target="db"} 1.7e+09
# TYPE jobs_done counter
jobs_done 42
# TYPE jobs_failed_total counter
jobs_failed_total 3
apt_upgrades_pending{origin="Debian"} 5
# TYPE req_seconds histogram
req_seconds_bucket{le="0.1"} 3
req_seconds_bucket{le="+Inf"} 5
req_seconds_sum 1.5
req_seconds_count 5
"""


def write(path, text, mtime=1_700_000_000):
    path.write_text(text)
    os.utime(path, (mtime, mtime))
    return str(path)


def collect(*directories, reserved=frozenset()):
    collector = TextfileCollector(Config(textfile_directories=tuple(str(d) for d in directories)))
    return collector, collector.collect_beside(reserved)


def scrape_error(families):
    return samples(families)[key("node_textfile_scrape_error")]


def test_every_type_is_served_with_node_exporters_names_and_help(tmp_path):
    path = write(tmp_path / "backup.prom", GOOD)
    _, families = collect(tmp_path)
    assert {f.name: f.type for f in families} == {
        "backup_last_success_timestamp_seconds": "gauge",
        # Declared without _total: node_exporter serves `jobs_done`, so we keep that name (untyped).
        "jobs_done": "unknown",
        "jobs_failed": "counter",
        "apt_upgrades_pending": "unknown",
        "req_seconds": "histogram",
        "node_textfile_mtime_seconds": "gauge",
        "node_textfile_scrape_error": "gauge",
    }
    got = samples(families)
    assert got[key("jobs_done")] == 42
    assert got[key("jobs_failed_total")] == 3
    assert got[key("req_seconds_bucket", le="+Inf")] == 5
    assert got[key("node_textfile_mtime_seconds", file=path)] == 1_700_000_000
    assert scrape_error(families) == 0
    helps = {f.name: f.documentation for f in families}
    assert helps["backup_last_success_timestamp_seconds"] == "When the last backup finished."
    assert helps["apt_upgrades_pending"] == f"Metric read from {path}"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("broken{ 1\n", "not in the text format"),
        ("ok 1\nvalue not_a_number\n", "not in the text format"),
        ("ok 1 1700000000000\n", "carries a timestamp"),
        ("ok 1\nok 2\n", "appears twice"),
        ("# TYPE ok gauge\nok 1\n# TYPE ok counter\nok 2\n", "twice"),
        ("# TYPE h histogram\nh_bucket 1\nh_count 1\nh_sum 1\n", "no le label"),
        ("# TYPE s summary\ns 1\n", "no quantile label"),
        ("a_sum 1\n# TYPE a summary\na_sum 2\na_count 1\n", "a_sum belongs to both a_sum and a"),
    ],
)
def test_a_malformed_file_is_refused_whole_and_the_others_are_served(tmp_path, caplog, text, problem):
    bad = write(tmp_path / "a_bad.prom", text)
    good = write(tmp_path / "b_good.prom", "good_metric 1\n")
    _, families = collect(tmp_path)
    got = samples(families)
    assert scrape_error(families) == 1
    assert got[key("good_metric")] == 1
    assert not any(name.startswith("ok") or name in ("h_bucket", "s") for name, _ in got)
    assert {dict(labels)["file"] for name, labels in got if name == "node_textfile_mtime_seconds"} == {good}
    (message,) = [r.getMessage() for r in caplog.records if bad in r.getMessage()]
    assert problem in message


def test_bytes_that_are_not_utf8_are_refused(tmp_path):
    (tmp_path / "bin.prom").write_bytes(b'x{l="\xff"} 1\n')
    _, families = collect(tmp_path)
    assert scrape_error(families) == 1
    assert key("x", l="\ufffd") not in samples(families)


def test_files_are_read_at_scrape_time_and_parsed_again_only_when_they_change(tmp_path, monkeypatch):
    path = write(tmp_path / "job.prom", "job_value 1\n")
    collector, families = collect(tmp_path)
    assert samples(families)[key("job_value")] == 1
    parsed = []
    real = parse_textfile
    monkeypatch.setattr("exporter.collectors.textfile.parse_textfile", lambda t: parsed.append(t) or real(t))
    assert samples(collector.collect())[key("job_value")] == 1
    assert parsed == []
    write(tmp_path / "job.prom", "job_value 2\n", mtime=1_700_000_000)  # same size, same mtime: ctime moved
    assert samples(collector.collect())[key("job_value")] == 2
    os.replace(write(tmp_path / "new.tmp", "job_value 3\n"), path)  # the atomic way cron jobs write
    assert samples(collector.collect())[key("job_value")] == 3
    assert len(parsed) == 2
    os.unlink(path)
    assert key("job_value") not in samples(collector.collect())


def test_several_directories_and_globs(tmp_path):
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        write(tmp_path / name / f"{name}.prom", f"from_{name} 1\n")
        write(tmp_path / name / f"{name}.txt", f"ignored_{name} 1\n")
    _, families = collect(tmp_path / "one", tmp_path / "tw*")
    got = samples(families)
    assert {name for name, _ in got if name.startswith(("from", "ignored"))} == {"from_one", "from_two"}
    assert scrape_error(families) == 0


def test_a_missing_directory_is_an_error(tmp_path):
    write(tmp_path / "ok.prom", "ok 1\n")
    _, families = collect(tmp_path, tmp_path / "absent")
    assert scrape_error(families) == 1
    assert samples(families)[key("ok")] == 1


def test_no_directory_reads_nothing_and_reports_no_error():
    _, families = collect()
    assert samples(families) == {key("node_textfile_scrape_error"): 0}


def test_families_spread_over_files_are_merged(tmp_path):
    write(tmp_path / "a.prom", '# HELP disk_ok Disk check.\ndisk_ok{disk="sda"} 1\n')
    write(tmp_path / "b.prom", 'disk_ok{disk="sdb"} 0\n')
    _, families = collect(tmp_path)
    (disk,) = [f for f in families if f.name == "disk_ok"]
    assert disk.documentation == "Disk check."
    assert samples([disk]) == {key("disk_ok", disk="sda"): 1, key("disk_ok", disk="sdb"): 0}
    assert scrape_error(families) == 0


@pytest.mark.parametrize(
    "second",
    [
        'disk_ok{disk="sda"} 0\n',  # the same series again
        "# TYPE disk_ok counter\ndisk_ok 1\n",  # another type
        '# HELP disk_ok Another text.\ndisk_ok{disk="sdb"} 0\n',  # another HELP
    ],
)
def test_a_file_clashing_with_an_earlier_one_is_refused(tmp_path, second):
    write(tmp_path / "a.prom", '# HELP disk_ok Disk check.\ndisk_ok{disk="sda"} 1\n')
    write(tmp_path / "b.prom", second)
    _, families = collect(tmp_path)
    assert scrape_error(families) == 1
    assert samples(families)[key("disk_ok", disk="sda")] == 1
    assert len([f for f in families if f.name.startswith("disk")]) == 1
    mtimes = [dict(labels)["file"] for name, labels in samples(families) if name.endswith("mtime_seconds")]
    assert mtimes == [str(tmp_path / "a.prom")]


def test_a_series_clash_is_found_after_a_family_was_merged_from_two_files(tmp_path):
    write(tmp_path / "a.prom", 'disk_ok{disk="sda"} 1\n')
    write(tmp_path / "b.prom", 'disk_ok{disk="sdb"} 1\n')
    write(tmp_path / "c.prom", 'disk_ok{disk="sdc"} 1\ndisk_ok{disk="sda"} 0\n')
    _, families = collect(tmp_path)
    assert scrape_error(families) == 1
    assert {labels for name, labels in samples(families) if name == "disk_ok"} == {
        (("disk", "sda"),),
        (("disk", "sdb"),),
    }


def test_unchanged_files_are_served_without_merging_again(tmp_path, monkeypatch, caplog):
    write(tmp_path / "a.prom", "job_value 1\n")
    write(tmp_path / "b.prom", "job_value 2\n")  # refused: the same series
    collector, first = collect(tmp_path)
    merges = []
    real = textfile.merge
    monkeypatch.setattr(textfile, "merge", lambda *args: merges.append(args) or real(*args))
    caplog.clear()
    second = collector.collect()
    assert merges == []
    assert [id(f) for f in second[:-1]] == [id(f) for f in first[:-1]]  # all but the scrape error
    assert scrape_error(second) == 1
    assert any("b.prom refused" in r.getMessage() for r in caplog.records)  # every scrape, as upstream
    write(tmp_path / "b.prom", "job_other 2\n", mtime=1_700_000_001)
    third = collector.collect()
    assert len(merges) == 1
    assert samples(third)[key("job_other")] == 2
    assert scrape_error(third) == 0


def test_a_file_is_refused_while_another_collector_exports_one_of_its_names(tmp_path):
    write(tmp_path / "a.prom", "node_hwmon_extra 1\n")
    collector, families = collect(tmp_path)
    assert scrape_error(families) == 0
    # A sensor appeared: another collector now exports that name, then stops.
    refused = collector.collect_beside({"node_hwmon_extra", "node_load1"})
    assert scrape_error(refused) == 1
    assert key("node_hwmon_extra") not in samples(refused)
    again = collector.collect_beside({"node_load1"})
    assert scrape_error(again) == 0
    assert samples(again)[key("node_hwmon_extra")] == 1


def test_redefining_a_family_of_the_exporter_is_refused(tmp_path):
    write(tmp_path / "load.prom", "# TYPE node_load1 gauge\nnode_load1 99\n")
    write(tmp_path / "own.prom", "node_textfile_scrape_error 0\n")
    write(tmp_path / "fine.prom", "node_apt_upgrades_pending 2\n")
    exporter = NodeExporter(
        fixture_config("rpi4", textfile_directories=(str(tmp_path),)),
        ["loadavg", "textfile"],
        exporter_metrics=True,
    )
    text = generate_latest(exporter.registry()).decode()
    assert "node_load1 0.52" in text
    assert "node_load1 99" not in text
    assert "node_textfile_scrape_error 1.0" in text
    assert "node_apt_upgrades_pending 2.0" in text
    assert 'node_scrape_collector_success{collector="textfile"} 1.0' in text


def test_the_exporters_own_metrics_are_reserved_too(tmp_path):
    write(tmp_path / "proc.prom", "process_open_fds 3\n")
    on = NodeExporter(Config(textfile_directories=(str(tmp_path),)), ["textfile"])
    assert "node_textfile_scrape_error 1.0" in generate_latest(on.registry()).decode()
    off = NodeExporter(Config(textfile_directories=(str(tmp_path),)), ["textfile"], exporter_metrics=False)
    text = generate_latest(off.registry()).decode()
    assert "process_open_fds 3.0" in text
    assert "node_textfile_scrape_error 0.0" in text


def test_a_sample_name_of_another_files_histogram_is_a_clash(tmp_path):
    write(tmp_path / "a.prom", '# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_count 1\nh_sum 2\n')
    write(tmp_path / "b.prom", "h_sum 5\n")
    _, families = collect(tmp_path)
    assert scrape_error(families) == 1
    assert samples(families)[key("h_sum")] == 2


@pytest.mark.parametrize("accept", ["", "application/openmetrics-text;version=1.0.0"])
def test_written_once_per_file_version_byte_for_byte_as_the_library_writes(tmp_path, accept):
    # No histogram here: the exporter's own writer (not the library's) writes these families.
    write(tmp_path / "a.prom", GOOD.split("# TYPE req_seconds", maxsplit=1)[0])
    write(tmp_path / "b.prom", 'disk_ok{disk="sda"} 1\n')
    write(tmp_path / "c.prom", 'disk_ok{disk="sdb"} 0\n')
    collector = TextfileCollector(Config(textfile_directories=(str(tmp_path),)))
    writer = Writer()
    encoder, _ = negotiate(accept, writer)
    library, _ = choose_encoder(accept)
    first = collector.collect()
    assert writer.text(first) if not accept else writer.openmetrics(first)  # no fallback to the library
    second = collector.collect()  # unchanged files: their lines are reused
    assert bytes(encoder(second)) == bytes(encoder(first)) == library(Frozen(second))
    write(tmp_path / "c.prom", 'disk_ok{disk="sdb"} 1\n')
    third = collector.collect()
    assert bytes(encoder(third)) == library(Frozen(third))
    assert b'disk_ok{disk="sdb"} 1.0\n' in bytes(encoder(third))
    assert b'disk_ok{disk="sdb"} 0.0\n' not in bytes(encoder(third))
