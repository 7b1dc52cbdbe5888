"""Which optional parts of the distribution are installed (standard library only: a node imports it).

A compute node installs `dispycluster` alone; the master adds the `server` extra. Commands of the master
ask here first, so that a node-only install says what to install instead of failing on an import.
"""

from __future__ import annotations

import re
from importlib import metadata

DISTRIBUTION = "dispycluster"
SERVER = "server"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _extra_of(requirement: str) -> str | None:
    _spec, _, marker = requirement.partition(";")
    found = re.search(r"""extra\s*==\s*["']([^"']+)["']""", marker)
    return found.group(1) if found else None


def missing_requirements(extra: str, distribution: str = DISTRIBUTION) -> list[str] | None:
    """Names of the extra's requirements that are not installed; None when the distribution itself is
    not installed (a bare source tree: nothing to tell)."""
    try:
        requirements = metadata.requires(distribution) or []
    except metadata.PackageNotFoundError:
        return None
    missing = []
    for requirement in requirements:
        name = _NAME.match(requirement)
        if name is None or _extra_of(requirement) != extra:
            continue
        try:
            metadata.distribution(name.group(0))
        except metadata.PackageNotFoundError:
            missing.append(name.group(0))
    return missing


def server_install_hint(command: str) -> str | None:
    """One line saying what to install when `command` needs the server extra and it is missing."""
    missing = missing_requirements(SERVER)
    if not missing:
        return None
    return (
        f"dispycluster {command} runs on the master and needs the server install: "
        f"pip install 'dispycluster[server]' (missing: {', '.join(missing)})"
    )
