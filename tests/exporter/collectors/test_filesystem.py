import os

import pytest

from exporter.collectors.filesystem import FilesystemCollector, parse_mountinfo
from tests.exporter.trees import FIXTURES, HangingStatfs, fixture_config, samples, types
from tests.support.processes import wait_until

SIZE_FAMILIES = {
    "node_filesystem_size_bytes",
    "node_filesystem_free_bytes",
    "node_filesystem_avail_bytes",
    "node_filesystem_files",
    "node_filesystem_files_free",
}


def by_mountpoint(got):
    """{mountpoint: {metric: value}} and the labels seen for each mount point."""
    values, labels = {}, {}
    for (name, label_items), value in got.items():
        label_map = dict(label_items)
        values.setdefault(label_map["mountpoint"], {})[name] = value
        labels[label_map["mountpoint"]] = label_map
    return values, labels


def expected_sizes(path):
    st = os.statvfs(path)
    return {
        "node_filesystem_size_bytes": float(st.f_blocks * st.f_bsize),
        "node_filesystem_free_bytes": float(st.f_bfree * st.f_bsize),
        "node_filesystem_avail_bytes": float(st.f_bavail * st.f_bsize),
        "node_filesystem_files": float(st.f_files),
        "node_filesystem_files_free": float(st.f_ffree),
    }


def test_rpi4_mounts_filters_readonly_and_a_failing_statfs():
    families = FilesystemCollector(fixture_config("rpi4")).collect()
    assert set(types(families).values()) == {"gauge"}
    values, labels = by_mountpoint(samples(families))
    # /proc, /sys and /dev are excluded by mount point (and type); /run and /mnt are not, upstream.
    assert set(values) == {"/", "/run", "/boot/firmware", "/media/usb stick", "/mnt/nas"}
    assert labels["/"] == {"device": "/dev/root", "fstype": "ext4", "mountpoint": "/"}
    assert labels["/media/usb stick"] == {
        "device": "/dev/sda1",
        "fstype": "exfat",
        "mountpoint": "/media/usb stick",
    }
    rootfs = FIXTURES / "rpi4" / "rootfs"
    firmware = values["/boot/firmware"]
    expected = expected_sizes(rootfs / "boot" / "firmware")
    assert set(firmware) == SIZE_FAMILIES | {"node_filesystem_readonly", "node_filesystem_device_error"}
    assert (firmware["node_filesystem_readonly"], firmware["node_filesystem_device_error"]) == (0.0, 0.0)
    assert firmware["node_filesystem_size_bytes"] == expected["node_filesystem_size_bytes"]
    assert firmware["node_filesystem_files"] == expected["node_filesystem_files"]
    # The fixture sits on this machine's disk, where other processes write at the same time.
    for name in ("node_filesystem_free_bytes", "node_filesystem_avail_bytes", "node_filesystem_files_free"):
        assert firmware[name] == pytest.approx(expected[name], rel=1e-3)
    assert values["/media/usb stick"]["node_filesystem_readonly"] == 1.0
    # The NFS mount point does not exist in the fixture: statfs fails, only readonly and device_error remain.
    assert values["/mnt/nas"] == {"node_filesystem_readonly": 0.0, "node_filesystem_device_error": 1.0}


def test_x86_excludes_by_type_and_mount_point_and_dedupes_bind_mounts():
    values, labels = by_mountpoint(samples(FilesystemCollector(fixture_config("x86-server")).collect()))
    assert set(values) == {"/", "/boot/efi", "/home", "/srv/scratch", "/run"}
    assert labels["/home"]["device"] == "/dev/mapper/vg-home"
    assert values["/srv/scratch"]["node_filesystem_readonly"] == 1.0
    assert all(
        set(v) == SIZE_FAMILIES | {"node_filesystem_readonly", "node_filesystem_device_error"}
        for v in values.values()
    )


def test_mountinfo_octal_escapes_are_decoded():
    (mount,) = parse_mountinfo("27 21 8:1 / /media/a\\040b\\011c ro shared:30 - exfat /dev/sd\\134a1 ro\n")
    assert (mount.mountpoint, mount.device, mount.readonly) == ("/media/a b\tc", "/dev/sd\\a1", True)


def test_a_hanging_statfs_is_bounded_remembered_and_recovered():
    collector = HangingStatfs(fixture_config("rpi4", mount_timeout=0.2))
    try:
        values, _ = by_mountpoint(samples(collector.collect()))
        assert values["/boot/firmware"] == {
            "node_filesystem_readonly": 0.0,
            "node_filesystem_device_error": 1.0,
        }
        # The mounts after the hung one were still measured, on a fresh worker.
        assert values["/media/usb stick"]["node_filesystem_device_error"] == 0.0
        assert collector.stuck == {"/boot/firmware"}

        calls_before = len(collector.calls)
        # As a scrape does it: statfs calls start in prepare(), collect() gathers them.
        collector.prepare()
        values, _ = by_mountpoint(samples(collector.collect()))
        assert values["/boot/firmware"]["node_filesystem_device_error"] == 1.0
        assert not any(call.endswith("boot/firmware") for call in collector.calls[calls_before:])
    finally:
        collector.release.set()
    wait_until(lambda: not collector.stuck)
    values, _ = by_mountpoint(samples(collector.collect()))
    assert values["/boot/firmware"]["node_filesystem_device_error"] == 0.0
    assert "node_filesystem_size_bytes" in values["/boot/firmware"]
