"""Where the client finds the service and its token."""

from __future__ import annotations

from pathlib import Path

import pytest

from webapi.client.connection import DEFAULT_URL, TOKEN_FILE, UsageError, resolve
from webapi.core import auth

TOKEN = "a-token-of-the-local-service"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    (tmp_path / TOKEN_FILE).write_text(TOKEN + "\n")
    return tmp_path


def test_the_token_file_is_the_one_the_service_writes():
    assert TOKEN_FILE == auth.TOKEN_FILE


def test_flags_win_over_the_environment(tmp_path: Path, data_dir: Path):
    token_file = tmp_path / "flag-token"
    token_file.write_text("from-the-file\n")
    environ = {"DISPYCLUSTER_URL": "http://10.0.0.1:8085", "DISPYCLUSTER_API_TOKEN": "from-env"}
    environ["DISPYCLUSTER_DATA_DIR"] = str(data_dir)
    assert resolve("http://127.0.0.1:9/", "from-flag", None, environ) == (
        resolve("http://127.0.0.1:9", "from-flag", None, {})
    )
    by_file = resolve(None, None, token_file, environ)
    assert (by_file.url, by_file.token, by_file.token_source) == (
        "http://10.0.0.1:8085",
        "from-the-file",
        f"--token-file {token_file}",
    )
    by_env = resolve(None, None, None, environ)
    assert (by_env.token, by_env.token_source) == ("from-env", "DISPYCLUSTER_API_TOKEN")


def test_the_local_services_token_goes_only_to_a_loopback_url(data_dir: Path):
    environ = {"DISPYCLUSTER_DATA_DIR": str(data_dir)}
    for url in (None, "http://localhost:8085", "http://[::1]:8085", "https://127.0.0.2"):
        connection = resolve(url, None, None, environ)
        assert connection.token == TOKEN, url
        assert connection.token_source == str(data_dir / TOKEN_FILE)
    for url in ("http://192.0.2.1:8085", "http://master.lan:8085", "http://localhost.evil.example"):
        assert resolve(url, None, None, environ).token is None, url


def test_no_token_anywhere_sends_none(tmp_path: Path):
    connection = resolve(None, None, None, {"DISPYCLUSTER_DATA_DIR": str(tmp_path)})
    assert connection == type(connection)(DEFAULT_URL, None, None)


@pytest.mark.parametrize(
    ("url", "token", "token_file", "words"),
    [
        ("ftp://host", None, None, "--url must be an http:// or https:// URL"),
        ("http://", None, None, "--url must be an http:// or https:// URL"),
        (None, "  ", None, "--token is empty"),
        (None, None, Path("/nonexistent/token"), "cannot read the token file /nonexistent/token"),
        (None, "a-token", Path("/a/file"), "either --token or --token-file, not both"),
    ],
)
def test_unusable_flags_say_why(url, token, token_file, words):
    with pytest.raises(UsageError, match=words):
        resolve(url, token, token_file, {})


def test_an_empty_token_file_is_refused(tmp_path: Path):
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(UsageError, match="is empty"):
        resolve(None, None, empty, {})


def test_the_url_variable_is_checked_too():
    with pytest.raises(UsageError, match="DISPYCLUSTER_URL must be"):
        resolve(None, None, None, {"DISPYCLUSTER_URL": "127.0.0.1:8085"})
