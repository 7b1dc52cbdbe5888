"""`webapi.app` is built by a factory: importing it creates, writes and prints nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_importing_the_app_does_nothing(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import webapi.app"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={"PATH": "/usr/bin:/bin", "DISPYCLUSTER_DATA_DIR": str(tmp_path / "data")},
    )
    assert result.stdout == "" and result.stderr == ""
    assert list(tmp_path.iterdir()) == []
