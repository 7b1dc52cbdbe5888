from exporter.collectors.os import OsCollector, parse_os_release
from tests.exporter.trees import fixture_config, key, samples

EMPTY = dict.fromkeys(["build_id", "image_id", "image_version", "variant", "variant_id"], "")


def test_rpi4_reads_etc_os_release():
    assert samples(OsCollector(fixture_config("rpi4")).collect()) == {
        key(
            "node_os_info",
            **EMPTY,
            id="debian",
            id_like="",
            name="Debian GNU/Linux",
            pretty_name="Debian GNU/Linux 12 (bookworm)",
            version="12 (bookworm)",
            version_codename="bookworm",
            version_id="12",
        ): 1.0,
        key("node_os_version", id="debian", id_like="", name="Debian GNU/Linux"): 12.0,
    }


def test_x86_falls_back_to_usr_lib_os_release():
    got = samples(OsCollector(fixture_config("x86-server")).collect())
    assert got[key("node_os_version", id="ubuntu", id_like="debian", name="Ubuntu")] == 22.04


def test_shell_quoting_is_undone():
    assert parse_os_release('NAME=\'Pi OS\'\nX="a \\"b\\""\n# comment\n') == {"NAME": "Pi OS", "X": 'a "b"'}
