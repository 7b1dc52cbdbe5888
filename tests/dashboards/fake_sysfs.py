"""A /sys for exporters under test: the real one, plus a hwmon chip and a thermal zone.

This machine (a VM) has no temperature sensors, but the dashboards and rules must be checked against
real exporter output for them. Everything except `class/hwmon` and `class/thermal` links to the real
/sys, so the other collectors keep reading real data.
"""

from __future__ import annotations

from pathlib import Path

REAL = Path("/sys")


def make_sysfs(root: Path, celsius: float = 48.5) -> Path:
    """Build the tree under `root` (for `--path.sysfs`) and return it."""
    root.mkdir(parents=True, exist_ok=True)
    for entry in REAL.iterdir():
        if entry.name != "class":
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
