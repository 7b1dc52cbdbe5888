"""The systemd units pass `systemd-analyze verify` and run what the project installs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.processes import require_binary

SYSTEMD = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
UNITS = {
    "dispycluster-exporter.service": "/opt/dispycluster/venv/bin/dispycluster-exporter",
    "dispycluster-web.service": "/opt/dispycluster/venv/bin/dispycluster web",
    "dispycluster-node.service": "/opt/dispycluster/venv/bin/dispycluster node",
}


def test_every_unit_is_listed():
    assert sorted(p.name for p in SYSTEMD.glob("*.service")) == sorted(UNITS)


@pytest.mark.parametrize(("unit", "command"), sorted(UNITS.items()))
def test_unit_runs_the_entry_point(unit: str, command: str):
    lines = (SYSTEMD / unit).read_text().splitlines()
    exec_start = next(line.removeprefix("ExecStart=") for line in lines if line.startswith("ExecStart="))
    assert exec_start.startswith(command)
    assert "User=dispycluster" in lines
    assert "WantedBy=multi-user.target" in lines


def test_systemd_analyze_verify_accepts_the_units(tmp_path: Path):
    analyze = require_binary("systemd-analyze")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("dispycluster", "dispycluster-exporter"):
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
    staged = []
    for unit in UNITS:
        text = (SYSTEMD / unit).read_text().replace("/opt/dispycluster/venv/bin", str(bin_dir))
        (tmp_path / unit).write_text(text)
        staged.append(str(tmp_path / unit))
    result = subprocess.run(
        [analyze, "verify", *staged], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr
