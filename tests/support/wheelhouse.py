"""Offline node installs for the tests: a wheelhouse built from this checkout with no package index (from
the wheels `make install` prefetched), and the venv steps of deploy/install-node.sh run as it prints them."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from webapi.wheelhouse.build import BuildOptions, Report, build

ROOT = Path(__file__).resolve().parents[2]
TEST_WHEELS = ROOT / ".venv" / "test-wheels"
BUILD_REQUIREMENTS = TEST_WHEELS / "build-requirements"
INSTALL_NODE = ROOT / "deploy" / "install-node.sh"
# What `pip install dispycluster` (a node) brings: the base install of pyproject.toml and its dependencies.
NODE_DISTRIBUTIONS = frozenset(
    {"dispycluster", "prometheus-client", "psutil", "dispy", "pycos", "bcrypt", "jeepney"}
)


def build_offline(out: Path, platforms: Sequence[str] = ("x86_64",)) -> Report:
    """`dispycluster wheelhouse build` with `--no-index` over the prefetched wheels."""
    if not (TEST_WHEELS / ".done").exists():
        pytest.fail(f"{TEST_WHEELS} is missing: `make install` prefetches it")
    options = BuildOptions(
        out=out,
        platforms=list(platforms),
        python_versions=["3.11"],
        find_links=[str(TEST_WHEELS), str(BUILD_REQUIREMENTS)],
        no_index=True,
    )
    return build(options)


def install_steps(prefix: Path, *script_args: str) -> list[list[str]]:
    """The commands install-node.sh runs to make the node's venv (from its --dry-run with these args)."""
    result = subprocess.run(
        ["bash", str(INSTALL_NODE), "--dry-run", "--prefix", str(prefix), *script_args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    commands = [shlex.split(line[2:]) for line in result.stdout.splitlines() if line.startswith("+ ")]
    venv = str(prefix / "venv")
    return [c for c in commands if c[:3] == ["python3", "-m", "venv"] or f"{venv}/bin/pip" in c]


def installed_distributions(venv: Path) -> dict[str, int]:
    """Distributions in the venv (pip and setuptools, which come with every venv, left out) and the bytes
    of the files each installed, from their RECORD."""
    site = next((venv / "lib").glob("python3*/site-packages"))
    sizes = {}
    for info in site.glob("*.dist-info"):
        name = info.name.split("-")[0].lower().replace("_", "-")
        if name in {"pip", "setuptools"}:
            continue
        total = 0
        for line in (info / "RECORD").read_text().splitlines():
            path = site / line.split(",")[0]
            if path.is_file():
                total += path.stat().st_size
        sizes[name] = total
    return sizes
