import pytest

from exporter.collectors.mdadm import MdadmCollector, MdDevice, parse_mdstat
from tests.exporter.trees import fixture_config, key, samples

PERSONALITIES = "Personalities : [raid1] [raid6] [raid5] [raid4] [raid0]\n"


def states(got, device):
    return {
        dict(labels)["state"]: value
        for (name, labels), value in got.items()
        if name == "node_md_state" and dict(labels)["device"] == device
    }


def test_x86_a_healthy_mirror_and_a_raid5_recovering_after_a_failure():
    got = samples(MdadmCollector(fixture_config("x86-server")).collect())
    assert states(got, "md0") == {
        "active": 1.0,
        "inactive": 0.0,
        "recovering": 0.0,
        "resync": 0.0,
        "check": 0.0,
    }
    assert states(got, "md1") == {
        "active": 0.0,
        "inactive": 0.0,
        "recovering": 1.0,
        "resync": 0.0,
        "check": 0.0,
    }
    assert got[key("node_md_disks_required", device="md1")] == 3.0
    assert got[key("node_md_disks", device="md1", state="active")] == 2.0
    assert got[key("node_md_disks", device="md1", state="failed")] == 1.0
    assert got[key("node_md_disks", device="md1", state="spare")] == 1.0
    assert got[key("node_md_blocks", device="md1")] == 1953260544.0
    assert got[key("node_md_blocks_synced", device="md1")] == 209227776.0
    # md0's bitmap line is skipped: nothing to sync, every block is in sync.
    assert got[key("node_md_blocks_synced", device="md0")] == 976630464.0
    assert got[key("node_md_raid_disks", device="md1")] == 3.0
    assert got[key("node_md_degraded", device="md1")] == 1.0
    assert got[key("node_md_degraded", device="md0")] == 0.0
    assert len(got) == 2 * 13


def test_a_pi_without_the_md_driver_has_no_data():
    with pytest.raises(FileNotFoundError):
        MdadmCollector(fixture_config("rpi4")).collect()


def test_resync_pending_check_inactive_and_raid0():
    text = PERSONALITIES + (
        "md2 : active raid1 sdb2[1] sda2[0]\n"
        "      1048512 blocks [2/2] [UU]\n"
        "        resync=PENDING\n"
        "\n"
        "md3 : active raid1 sdd1[1] sdc1[0]\n"
        "      2000000 blocks super 1.2 [2/2] [UU]\n"
        "      [=>...................]  check =  5.0% (100000/2000000) finish=10.0min speed=3000K/sec\n"
        "\n"
        "md4 : inactive sdf1[1](S) sde1[0](S)\n"
        "      4000000 blocks super 1.2\n"
        "\n"
        "md5 : active raid0 sdh1[1] sdg1[0]\n"
        "      8000000 blocks super 1.2 512k chunks\n"
        "\n"
        "unused devices: <none>\n"
    )
    assert parse_mdstat(text) == [
        MdDevice("md2", "resyncing", 2, 2, 0, 0, 1048512, 0),
        MdDevice("md3", "checking", 2, 2, 0, 0, 2000000, 100000),
        MdDevice("md4", "inactive", 0, 0, 0, 2, 4000000, 4000000),
        MdDevice("md5", "active", 2, 2, 0, 0, 8000000, 8000000),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("md0 active\n", "expected `mdN : state"),
        ("md0 : active raid1 sda1[0]\n", "too few lines for md device md0"),
        ("md0 : active raid1 sda1[0]\n      many blocks\n\n\n", "md0: unexpected status line"),
        ("md0 : active raid1 sda1[0]\n      100 blocks [2/x] [U_]\n\n\n", "md0: unexpected status line"),
    ],
)
def test_garbage_names_the_array_and_the_line(text, message):
    with pytest.raises(ValueError, match=message):
        parse_mdstat(PERSONALITIES + text)
