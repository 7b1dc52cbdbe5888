"""Run `promtool test rules` on a test document against freshly rendered rule files."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from alerts.rules import render_rule_files
from tests.support.processes import require_binary


def write_rule_files(directory: Path, for_overrides: Mapping[str, int] | None = None) -> list[str]:
    names = []
    for name, text in render_rule_files(for_overrides).items():
        (directory / name).write_text(text, encoding="utf-8")
        names.append(name)
    return names


def promtool_test(directory: Path, tests: list[dict[str, Any]]) -> subprocess.CompletedProcess[str]:
    """Write the rules and a unit-test file holding `tests` into `directory`, then run promtool on it."""
    promtool = require_binary("promtool")
    document = {"rule_files": write_rule_files(directory), "evaluation_interval": "1m", "tests": tests}
    test_file = directory / "tests.yml"
    test_file.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return subprocess.run(
        [promtool, "test", "rules", str(test_file)], capture_output=True, text=True, timeout=120, check=False
    )
