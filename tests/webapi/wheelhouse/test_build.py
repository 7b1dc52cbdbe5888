"""`dispycluster wheelhouse build`, offline over the wheels `make install` prefetched (no package index)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.support.wheelhouse import build_offline
from webapi import __version__
from webapi.cli import main
from webapi.wheelhouse.build import BuildError, BuildOptions, Report, build

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Report]:
    out = tmp_path_factory.mktemp("build") / "wheelhouse"
    out.mkdir()
    (out / "stale-0.1-py3-none-any.whl").write_text("from an earlier build")
    return out, build_offline(out, platforms=["x86_64", "armv7l"])


def test_the_node_install_is_gathered(built: tuple[Path, Report]):
    out, report = built
    names = sorted(p.name for p in out.iterdir())
    assert names == report.files
    assert f"dispycluster-{__version__}-py3-none-any.whl" in names
    for project in ("dispy-", "pycos-", "prometheus_client-"):
        assert any(n.startswith(project) and n.endswith("-none-any.whl") for n in names), project
    assert any(n.startswith("psutil-") and "x86_64" in n for n in names)
    assert not any(n.startswith(("fastapi", "sqlalchemy", "plotly", "stale")) for n in names)


def test_the_project_wheel_is_built_from_this_source(built: tuple[Path, Report]):
    out, _report = built
    wheel = out / f"dispycluster-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        listed = archive.namelist()
        packaged = archive.read("webapi/wheelhouse/build.py")
    assert packaged == Path("webapi/wheelhouse/build.py").read_bytes()
    assert not any(name.startswith(("tests/", "bench/", "deploy/")) for name in listed)


def test_a_platform_without_a_wheel_gets_the_sdist_and_what_builds_it(built: tuple[Path, Report]):
    out, report = built
    (requirement,) = report.from_source
    assert requirement.startswith("psutil==") and report.from_source[requirement] == ["armv7l"]
    assert (out / f"psutil-{requirement.split('==')[1]}.tar.gz").is_file()
    assert any(p.name.startswith("setuptools-") for p in out.iterdir())
    (note,) = report.lines()[1:]
    assert note.startswith("armv7l: no wheel of psutil==") and "gcc" in note and "piwheels" in note


def test_a_failed_build_leaves_the_wheelhouse_as_it_was(tmp_path: Path):
    out = tmp_path / "wheelhouse"
    out.mkdir()
    (out / "kept-1.0-py3-none-any.whl").write_text("served until a build succeeds")
    with pytest.raises(BuildError, match="failed"):
        build(BuildOptions(out=out, platforms=["x86_64"], no_index=True))
    assert [p.name for p in out.iterdir()] == ["kept-1.0-py3-none-any.whl"]
    assert not (tmp_path / "wheelhouse.partial").exists()


def test_bad_requests_are_refused(tmp_path: Path):
    with pytest.raises(BuildError, match="unknown platform"):
        build(BuildOptions(out=tmp_path / "w", platforms=["sparc"]))
    with pytest.raises(BuildError, match="--source"):
        build(BuildOptions(out=tmp_path / "w", source=tmp_path))


def test_the_command_reports_a_failed_build_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "wheelhouse"
    assert main(["wheelhouse", "build", "--platform", "x86_64", "--no-index", "--out", str(out)]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("dispycluster wheelhouse build: building failed")
    with pytest.raises(SystemExit):
        main(["wheelhouse", "build", "--platform", "sparc"])
    assert "invalid choice: 'sparc'" in capsys.readouterr().err
