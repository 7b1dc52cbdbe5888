"""A /sys for exporters under test: the real one, plus a hwmon chip and a thermal zone.

This machine (a VM) has no temperature sensors, but the dashboards and rules must be checked against
real exporter output for them. Everything except `class/hwmon` and `class/thermal` links to the real
/sys, so the other collectors keep reading real data.
"""

from __future__ import annotations

from pathlib import Path

REAL = Path("/sys")


def make_sysfs(root: Path, celsius: float = 48.5, raspberry_pi: bool = False) -> Path:
    """Build the tree under `root` (for `--path.sysfs`) and return it.

    With `raspberry_pi`, the firmware's `get_throttled` flags (all clear) are there too, where a Pi 4 has
    them, so that the exporter's rpi collector reports.
    """
    root.mkdir(parents=True, exist_ok=True)
    for entry in REAL.iterdir():
        if entry.name == "devices" and raspberry_pi:
            _pi_devices(root / "devices")
        elif entry.name != "class":
            (root / entry.name).symlink_to(entry)
    classes = root / "class"
    classes.mkdir()
    if (REAL / "class").is_dir():
        for entry in (REAL / "class").iterdir():
            if entry.name not in {"hwmon", "thermal"}:
                (classes / entry.name).symlink_to(entry)
    chip = classes / "hwmon" / "hwmon0"
    chip.mkdir(parents=True)
    (chip / "name").write_text("cpu_thermal\n")
    (chip / "temp1_input").write_text(f"{round(celsius * 1000)}\n")
    (chip / "temp1_label").write_text("CPU\n")
    zone = classes / "thermal" / "thermal_zone0"
    zone.mkdir(parents=True)
    (zone / "type").write_text("cpu-thermal\n")
    (zone / "temp").write_text(f"{round(celsius * 1000)}\n")
    (zone / "policy").write_text("step_wise\n")
    (zone / "mode").write_text("enabled\n")
    return root


def _pi_devices(devices: Path) -> None:
    """The real /sys/devices, plus the Pi 4 firmware device under platform/soc."""
    platform = devices / "platform"
    platform.mkdir(parents=True)
    for entry in (REAL / "devices").iterdir():
        if entry.name != "platform":
            (devices / entry.name).symlink_to(entry)
    for entry in (REAL / "devices" / "platform").iterdir():
        (platform / entry.name).symlink_to(entry)
    firmware = platform / "soc" / "soc:firmware"
    firmware.mkdir(parents=True)
    (firmware / "get_throttled").write_text("0\n")
