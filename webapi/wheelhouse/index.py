"""The wheelhouse as a PEP 503 simple index: projects, their files and the files' sha256.

Only files found by listing the wheelhouse directory are ever served: a request names a project and a
file name, and both are looked up in that listing, never joined to a path. The listing is bounded.
"""

from __future__ import annotations

import hashlib
import html
import re
import threading
from dataclasses import dataclass
from pathlib import Path

MAX_FILES = 10_000
DIST_SUFFIXES = (".whl", ".tar.gz", ".zip")


def normalize(name: str) -> str:
    """PEP 503's normalized project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def project_of(filename: str) -> str | None:
    """The normalized project a distribution file belongs to (None: not a distribution file)."""
    if filename.endswith(".whl"):
        name = filename.split("-", 1)[0]
    elif filename.endswith((".tar.gz", ".zip")):
        stem = filename.removesuffix(".tar.gz").removesuffix(".zip")
        name = stem.rpartition("-")[0]
    else:
        return None
    return normalize(name) if name else None


@dataclass(frozen=True)
class Dist:
    filename: str
    path: Path
    sha256: str


class Wheelhouse:
    """A directory of distribution files; hashes are cached per (size, mtime) of each file."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._hashes: dict[Path, tuple[int, int, str]] = {}
        self._lock = threading.Lock()

    def _files(self) -> dict[str, list[Path]]:
        projects: dict[str, list[Path]] = {}
        try:
            entries = sorted(self.root.iterdir())[:MAX_FILES]
        except (FileNotFoundError, NotADirectoryError):
            return projects
        for path in entries:
            project = project_of(path.name)
            if project is not None and path.is_file() and not path.is_symlink():
                projects.setdefault(project, []).append(path)
        return projects

    def projects(self) -> list[str]:
        return sorted(self._files())

    def _sha256(self, path: Path) -> str:
        stat = path.stat()
        with self._lock:
            cached = self._hashes.get(path)
        if cached is not None and cached[:2] == (stat.st_size, stat.st_mtime_ns):
            return cached[2]
        digest = hashlib.sha256()
        with path.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
        with self._lock:
            self._hashes[path] = (stat.st_size, stat.st_mtime_ns, digest.hexdigest())
        return digest.hexdigest()

    def dists(self, project: str) -> list[Dist] | None:
        """The files of a (normalized) project; None when the wheelhouse has none."""
        files = self._files()
        with self._lock:  # forget files that are gone (a rebuild replaces them all)
            current = {p for paths in files.values() for p in paths}
            self._hashes = {p: h for p, h in self._hashes.items() if p in current}
        if project not in files:
            return None
        return [Dist(p.name, p, self._sha256(p)) for p in files[project]]

    def find(self, project: str, filename: str) -> Path | None:
        paths = self._files().get(project, [])
        return next((p for p in paths if p.name == filename), None)


def _page(title: str, links: list[tuple[str, str]]) -> str:
    anchors = "\n".join(
        f'    <a href="{html.escape(href)}">{html.escape(text)}</a><br>' for href, text in links
    )
    return (
        '<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.0">\n'
        f"    <title>{html.escape(title)}</title>\n  </head>\n  <body>\n{anchors}\n  </body>\n</html>\n"
    )


def render_root(projects: list[str]) -> str:
    return _page("DispyCluster node wheelhouse", [(f"{name}/", name) for name in projects])


def render_project(project: str, dists: list[Dist]) -> str:
    links = [(f"{d.filename}#sha256={d.sha256}", d.filename) for d in dists]
    return _page(f"Links for {project}", links)
