from exporter.collectors.diskstats import DiskstatsCollector
from tests.exporter.trees import fixture_config, key, samples, types

NO_UDEV = {"model": "", "path": "", "revision": "", "serial": "", "wwn": ""}


def test_rpi4_mmcblk_counters_on_a_kernel_without_flush_columns():
    families = DiskstatsCollector(fixture_config("rpi4")).collect()
    got = samples(families)
    assert "node_disk_flush_requests" not in types(families)
    assert types(families)["node_disk_io_now"] == "gauge"
    assert types(families)["node_disk_reads_completed"] == "counter"
    # ram0 and loop0 are excluded by the default regex; mmcblk0 partitions are not.
    assert {dict(labels)["device"] for _, labels in got} == {"mmcblk0", "mmcblk0p1", "mmcblk0p2"}
    mmcblk0 = {name: value for (name, labels), value in got.items() if dict(labels)["device"] == "mmcblk0"}
    assert mmcblk0 == {
        "node_disk_info": 1.0,
        "node_disk_reads_completed_total": 26321.0,
        "node_disk_reads_merged_total": 11093.0,
        "node_disk_read_bytes_total": 976120832.0,
        "node_disk_read_time_seconds_total": 230.52,
        "node_disk_writes_completed_total": 9834.0,
        "node_disk_writes_merged_total": 12741.0,
        "node_disk_written_bytes_total": 526954496.0,
        "node_disk_write_time_seconds_total": 580.316,
        "node_disk_io_now": 0.0,
        "node_disk_io_time_seconds_total": 272.66,
        "node_disk_io_time_weighted_seconds_total": 810.836,
        "node_disk_discards_completed_total": 0.0,
        "node_disk_discards_merged_total": 0.0,
        "node_disk_discarded_sectors_total": 0.0,
        "node_disk_discard_time_seconds_total": 0.0,
    }
    info = key(
        "node_disk_info",
        device="mmcblk0",
        major="179",
        minor="0",
        **{**NO_UDEV, "path": "platform-fe340000.mmc"},
    )
    assert got[info] == 1.0
    assert got[key("node_disk_info", device="mmcblk0p1", major="179", minor="1", **NO_UDEV)] == 1.0


def test_x86_excludes_partitions_and_reads_udev_properties():
    got = samples(DiskstatsCollector(fixture_config("x86-server")).collect())
    assert {dict(labels)["device"] for _, labels in got} == {"nvme0n1", "nvme1n1", "sda", "dm-0"}
    assert got[key("node_disk_flush_requests_total", device="nvme1n1")] == 7.0
    assert got[key("node_disk_flush_requests_time_seconds_total", device="nvme1n1")] == 0.002
    assert got[key("node_disk_discarded_sectors_total", device="nvme0n1")] == 2000000.0
    assert got[key("node_disk_io_now", device="sda")] == 1.0
    assert got[key("node_disk_read_bytes_total", device="nvme0n1")] == 50567901184.0
    info = key(
        "node_disk_info",
        device="nvme0n1",
        major="259",
        minor="0",
        model="Samsung SSD 980 PRO 1TB",
        path="pci-0000:3d:00.0-nvme-1",
        revision="5B2QGXA7",
        serial="S5GXNF0R123456",
        wwn="eui.002538b211b2c3d4",
    )
    assert got[info] == 1.0


def test_an_empty_exclude_keeps_every_device():
    got = samples(DiskstatsCollector(fixture_config("rpi4", diskstats_device_exclude=None)).collect())
    assert {dict(labels)["device"] for _, labels in got} == {
        "ram0",
        "loop0",
        "mmcblk0",
        "mmcblk0p1",
        "mmcblk0p2",
    }
