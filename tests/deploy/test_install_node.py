"""deploy/install-node.sh: what `--dry-run` says it would do, and its refusals."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "install-node.sh"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=60, check=False
    )


def _commands(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line[2:] for line in result.stdout.splitlines() if line.startswith("+ ")]


def test_dry_run_of_a_compute_node():
    result = _run("--dry-run")
    assert result.returncode == 0, result.stderr
    commands = _commands(result)
    assert "python3 -m venv /opt/dispycluster/venv" in commands
    assert f"/opt/dispycluster/venv/bin/pip install --quiet {ROOT}" in commands
    units = [c for c in commands if c.startswith("sed ")]
    assert [u.rsplit("/", 1)[1] for u in units] == [
        "dispycluster-exporter.service",
        "dispycluster-node.service",
    ]
    assert commands[-1] == "systemctl enable --now dispycluster-exporter dispycluster-node"
    assert "systemctl daemon-reload" in commands
    # Not just "web": the checkout's own path may contain it.
    assert not any("dispycluster-web" in c or c.endswith("/web.env") for c in commands)


def test_dry_run_of_the_master_adds_the_web_service_and_its_env_file():
    commands = _commands(_run("--dry-run", "--role", "master", "--no-start"))
    assert commands[-1] == "systemctl enable dispycluster-exporter dispycluster-node dispycluster-web"
    assert any(c.endswith("/etc/dispycluster/web.env") for c in commands)
    assert f"/opt/dispycluster/venv/bin/pip install --quiet {ROOT}\\[server\\]" in commands


@pytest.mark.parametrize(
    ("args", "index"),
    [
        (["--from-master", "10.77.0.1"], "http://10.77.0.1:8085/simple/ --trusted-host 10.77.0.1:8085"),
        (
            ["--from-master", "master.lan:9000"],
            "http://master.lan:9000/simple/ --trusted-host master.lan:9000",
        ),
        (["--index-url", "https://m.lan/simple/"], "https://m.lan/simple/ --trusted-host m.lan"),
    ],
)
def test_dry_run_of_an_offline_node_installs_from_the_master_only(args: list[str], index: str):
    result = _run("--dry-run", *args)
    assert result.returncode == 0, result.stderr
    commands = _commands(result)
    pip = [c for c in commands if "/venv/bin/pip" in c]
    assert pip == [
        "env PIP_CONFIG_FILE=/dev/null /opt/dispycluster/venv/bin/pip install --isolated --quiet "
        f"--index-url {index} dispycluster"
    ]
    assert commands[-1] == "systemctl enable --now dispycluster-exporter dispycluster-node"
    # It registers nothing: no request to the service's API, no other network use.
    assert not any(word in c for c in commands for word in ("curl", "wget", "/api/", "httpx"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from-master", "m", "--role", "master"], "--index-url installs a compute node only"),
        (["--index-url", "ftp://m/simple/"], "must be an http:// or https:// URL"),
    ],
)
def test_offline_install_refusals(args: list[str], message: str):
    result = _run("--dry-run", *args)
    assert result.returncode == 2 and message in result.stderr


def test_another_prefix_is_substituted_into_the_units():
    commands = _commands(_run("--dry-run", "--prefix", "/srv/dc"))
    assert "python3 -m venv /srv/dc/venv" in commands
    assert all("s#/opt/dispycluster#/srv/dc#g" in c for c in commands if c.startswith("sed "))


def test_dry_run_files_it_installs_exist():
    for command in _commands(_run("--dry-run", "--role", "master")):
        for word in command.split():
            if word.startswith(str(ROOT / "deploy")):
                assert Path(word).exists(), word


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "router", "--dry-run"], "--role must be node or master"),
        (["--prefix", "relative", "--dry-run"], "absolute path"),
        (["--source", "/nonexistent", "--dry-run"], "no pyproject.toml"),
        (["--frobnicate"], "unknown option: --frobnicate"),
    ],
)
def test_bad_options_are_refused_with_a_message(args: list[str], message: str):
    result = _run(*args)
    assert result.returncode == 2
    assert message in result.stderr


def test_script_is_valid_bash():
    assert subprocess.run(["bash", "-n", str(SCRIPT)], check=False).returncode == 0


def test_tls_and_basic_auth_write_the_exporters_web_config(tmp_path: Path):
    cert, key = tmp_path / "node.pem", tmp_path / "node's.key"
    cert.write_text("cert")
    key.write_text("key")
    result = _run(
        "--dry-run", "--tls-cert", str(cert), "--tls-key", str(key), "--basic-auth-user", "prometheus"
    )
    assert result.returncode == 0, result.stderr
    written = result.stdout.split("+ write /etc/dispycluster/exporter-web.yml (0640 root:dispycluster):\n")[1]
    config = yaml.safe_load(written.split("\n+ ")[0])
    assert config == {
        "tls_server_config": {"cert_file": str(cert), "key_file": str(key)},
        "basic_auth_users": {"prometheus": "<bcrypt hash of the password>"},
    }
    assert (
        "add --web.config.file=/etc/dispycluster/exporter-web.yml to EXPORTER_ARGS in"
        " /etc/dispycluster/exporter.env" in _commands(result)
    )


def test_no_web_config_without_the_flags():
    assert "exporter-web.yml" not in _run("--dry-run").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tls-cert", "/etc/hostname"], "--tls-cert and --tls-key go together"),
        (["--tls-cert", "cert.pem", "--tls-key", "/etc/hostname"], "need absolute paths"),
        (["--tls-cert", "/nonexistent.pem", "--tls-key", "/etc/hostname"], "cannot read '/nonexistent.pem'"),
        (["--basic-auth-user", "pro: metheus"], "--basic-auth-user takes letters"),
    ],
)
def test_bad_web_config_options_are_refused(args: list[str], message: str):
    result = _run("--dry-run", *args)
    assert result.returncode == 2
    assert message in result.stderr
