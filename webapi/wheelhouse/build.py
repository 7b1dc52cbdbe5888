"""`dispycluster wheelhouse build`: every file a node needs to `pip install dispycluster` offline.

On the master (which reaches a package index, or has the files in `--find-links` directories):
1. the project's own wheel is built from its source tree (a copy, so no stale `build/` leaks in);
2. pip resolves the node install for this machine: every pure-Python wheel (`-none-any`, including
   dispy and pycos, built from their sdists here) is good for every node as it is;
3. each remaining binary package (psutil) is fetched at the same version for each node platform and
   Python. Where the index has no wheel for a platform (psutil on armv7l on PyPI), its sdist is kept
   with its build requirements, so that the node can build it offline (it then needs a C compiler and
   the Python headers), and the report says so.
The result replaces the wheelhouse directory in one rename, so the index never serves half a build.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from webapi.wheelhouse.platforms import PLATFORMS, PYTHON_VERSIONS

# Left out of the copy of the source tree: what is not packaged, environments, earlier builds, data.
SKIPPED_AT_ROOT = frozenset(
    {".git", ".venv", "bench", "build", "data", "deploy", "node_modules", "test-artifacts", "tests"}
)
PIWHEELS = "https://www.piwheels.org/simple"


class BuildError(RuntimeError):
    pass


Pip = Callable[[Sequence[str]], subprocess.CompletedProcess[str]]


def run_pip(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    return subprocess.run(argv, capture_output=True, text=True, check=False)


@dataclass
class BuildOptions:
    out: Path
    platforms: Sequence[str] | None = None
    python_versions: Sequence[str] | None = None
    source: Path | None = None
    find_links: Sequence[str] = ()
    no_index: bool = False
    extra_index_urls: Sequence[str] = ()

    def index_args(self) -> list[str]:
        args = ["--no-index"] if self.no_index else []
        for link in self.find_links:
            args += ["--find-links", link]
        for url in self.extra_index_urls:
            args += ["--extra-index-url", url]
        return args


@dataclass
class Report:
    out: Path
    files: list[str] = field(default_factory=list)
    # requirement ("psutil==7.2.2") -> node platforms that build it from its sdist
    from_source: dict[str, list[str]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        lines = [f"wheelhouse: {len(self.files)} files in {self.out}"]
        for requirement, platforms in sorted(self.from_source.items()):
            lines.append(
                f"{', '.join(platforms)}: no wheel of {requirement} on the index: the sdist is in the "
                "wheelhouse and a node builds it during its install (it needs gcc and python3-dev); "
                f"or build again with --extra-index-url {PIWHEELS} for Raspberry Pi wheels"
            )
        return lines


def default_source() -> Path | None:
    """The source tree this code runs from, when it is one (an editable install or a checkout)."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() else None


def wheel_name_version(filename: str) -> tuple[str, str]:
    parts = filename.removesuffix(".whl").split("-")
    return parts[0], parts[1]


def is_pure(filename: str) -> bool:
    return filename.endswith("-none-any.whl")


def _check(result: subprocess.CompletedProcess[str], what: str) -> None:
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise BuildError(f"{what} failed: {' / '.join(detail)}")


def _copy_source(source: Path, into: Path) -> Path:
    def ignore(directory: str, names: list[str]) -> set[str]:
        skipped = {n for n in names if n == "__pycache__" or n.endswith(".egg-info")}
        if Path(directory) == source:
            skipped |= SKIPPED_AT_ROOT & set(names)
        return skipped

    target = into / "source"
    shutil.copytree(source, target, symlinks=True, ignore=ignore)
    return target


def build_requirements(sdist: Path) -> list[str]:
    """[build-system] requires of an sdist (PEP 518's default when it declares none)."""
    with tarfile.open(sdist) as archive:
        member = next(
            (
                m
                for m in archive.getmembers()
                if m.name.count("/") == 1 and m.name.endswith("/pyproject.toml")
            ),
            None,
        )
        extracted = archive.extractfile(member) if member is not None else None
        if extracted is None:
            return ["setuptools>=40.8.0", "wheel"]
        data = tomllib.loads(extracted.read().decode())
    return list(data.get("build-system", {}).get("requires", ["setuptools>=40.8.0", "wheel"]))


def _platform_args(platform: str, python_version: str) -> list[str]:
    args = ["--only-binary=:all:", "--implementation", "cp", "--python-version", python_version]
    for tag in PLATFORMS[platform]:
        args += ["--platform", tag]
    return args


def _gather(options: BuildOptions, source: Path, staging: Path, out: Path, pip: Pip) -> Report:
    index = options.index_args()
    own = staging / "own"
    _check(
        pip(["wheel", "--no-deps", "-w", str(own), *index, str(_copy_source(source, staging))]), "building"
    )
    own_wheel = next(own.glob("*.whl"))
    host = staging / "host"
    _check(pip(["wheel", "-w", str(host), *index, str(own_wheel)]), "resolving the node install")
    binaries = []
    for wheel in sorted(host.glob("*.whl")):
        if is_pure(wheel.name):
            shutil.copy2(wheel, out / wheel.name)
        else:
            binaries.append("==".join(wheel_name_version(wheel.name)))
    report = Report(out=options.out)
    for requirement in binaries:
        for platform in options.platforms or PLATFORMS:
            for version in options.python_versions or PYTHON_VERSIONS:
                fetched = pip(
                    [
                        "download",
                        "--no-deps",
                        "-d",
                        str(out),
                        *index,
                        *_platform_args(platform, version),
                        requirement,
                    ]
                )
                if fetched.returncode == 0:
                    continue
                if platform not in report.from_source.setdefault(requirement, []):
                    report.from_source[requirement].append(platform)
    for requirement in report.from_source:
        sdists = staging / "sdist" / requirement
        # Only this project from source: its own build requirements may come as wheels.
        no_binary = f"--no-binary={requirement.split('==')[0]}"
        args = ["download", "--no-deps", no_binary, "-d", str(sdists), *index, requirement]
        _check(pip(args), f"fetching the sdist of {requirement}")
        for sdist in sdists.iterdir():
            shutil.copy2(sdist, out / sdist.name)
            needs = build_requirements(sdist)
            args = ["download", "--only-binary=:all:", "-d", str(out), *index, *needs]
            _check(pip(args), f"fetching what building {sdist.name} needs ({', '.join(needs)})")
    report.files = sorted(p.name for p in out.iterdir())
    return report


def build(options: BuildOptions, pip: Pip = run_pip) -> Report:
    unknown = sorted(set(options.platforms or ()) - set(PLATFORMS))
    if unknown:
        raise BuildError(f"unknown platform(s) {', '.join(unknown)}: choose from {', '.join(PLATFORMS)}")
    source = options.source or default_source()
    if source is None or not (source / "pyproject.toml").is_file():
        raise BuildError("no DispyCluster source tree here: give one with --source")
    partial = options.out.with_name(options.out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        with tempfile.TemporaryDirectory(prefix="wheelhouse-") as staging:
            report = _gather(options, source.resolve(), Path(staging), partial, pip)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    shutil.rmtree(options.out, ignore_errors=True)
    partial.rename(options.out)
    return report
