"""`node_os_info` and `node_os_version` from os-release under --path.rootfs."""

from __future__ import annotations

import os
import re
import shlex
from typing import ClassVar

from prometheus_client.core import Metric

from exporter.collectors.base import gauge, read_text
from exporter.config import Config

OS_RELEASE_FILES = ("/etc/os-release", "/usr/lib/os-release")
INFO_LABELS = {
    "build_id": "BUILD_ID",
    "id": "ID",
    "id_like": "ID_LIKE",
    "image_id": "IMAGE_ID",
    "image_version": "IMAGE_VERSION",
    "name": "NAME",
    "pretty_name": "PRETTY_NAME",
    "variant": "VARIANT",
    "variant_id": "VARIANT_ID",
    "version": "VERSION",
    "version_codename": "VERSION_CODENAME",
    "version_id": "VERSION_ID",
}
MAJOR_MINOR = re.compile(r"^\d+(\.\d+)?")


def parse_os_release(text: str) -> dict[str, str]:
    """KEY=value lines with shell quoting, as os-release(5) defines them."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if not sep or key.startswith("#"):
            continue
        words = shlex.split(value, comments=False, posix=True)
        fields[key] = " ".join(words)
    return fields


class OsCollector:
    name: ClassVar[str] = "os"

    def __init__(self, config: Config) -> None:
        self._candidates = [config.paths.root(path) for path in OS_RELEASE_FILES]
        # Parsed once per version of the file: a stat is much cheaper than reading and unquoting it.
        self._cache: tuple[tuple[str, int, int, int], dict[str, str]] | None = None

    def _read(self) -> dict[str, str]:
        for path in self._candidates:
            try:
                st = os.stat(path)
            except FileNotFoundError:
                continue
            key = (str(path), st.st_ino, st.st_mtime_ns, st.st_size)
            if self._cache is None or self._cache[0] != key:
                self._cache = (key, parse_os_release(read_text(path)))
            return self._cache[1]
        raise FileNotFoundError(f"none of {', '.join(map(str, self._candidates))} exists")

    def collect(self) -> list[Metric]:
        release = self._read()
        info = gauge(
            "node_os_info",
            "A metric with a constant '1' value labeled by " + ", ".join(INFO_LABELS) + ".",
            list(INFO_LABELS),
        )
        info.add_metric([release.get(key, "") for key in INFO_LABELS.values()], 1.0)
        families: list[Metric] = [info]
        match = MAJOR_MINOR.match(release.get("VERSION_ID", ""))
        if match:
            version = gauge(
                "node_os_version",
                "Metric containing the major.minor part of the OS version.",
                ["id", "id_like", "name"],
            )
            version.add_metric(
                [release.get("ID", ""), release.get("ID_LIKE", ""), release.get("NAME", "")],
                float(match.group()),
            )
            families.append(version)
        return families
