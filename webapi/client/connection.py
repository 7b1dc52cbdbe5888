"""Where the client finds the service and its token: flags first, then the environment, then the token
file a service on this machine wrote into its data dir."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from webapi.core.exposure import is_loopback_address

URL_ENV = "DISPYCLUSTER_URL"
TOKEN_ENV = "DISPYCLUSTER_API_TOKEN"
# The service's own data-dir setting: the client reads the token file there, as the service wrote it.
DATA_DIR_ENV = "DISPYCLUSTER_DATA_DIR"
DEFAULT_URL = "http://127.0.0.1:8085"
DEFAULT_DATA_DIR = "data"
# The name `webapi.core.auth.TOKEN_FILE` gives the file; not imported from there, as that module brings
# FastAPI and SQLAlchemy along: most of a second on every command.
TOKEN_FILE = "api_token"


class UsageError(Exception):
    """A flag or variable that cannot be used as given: the message says which and why."""


@dataclass(frozen=True)
class Connection:
    url: str
    token: str | None
    # Where the token came from, for the message when the service refuses it.
    token_source: str | None


def _check_url(url: str, source: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{source} must be an http:// or https:// URL, not {url!r}")
    return url.rstrip("/")


def _read_token(path: Path, source: str) -> str:
    try:
        token = path.read_text().strip()
    except OSError as error:
        raise UsageError(f"cannot read the token file {path} ({source}): {error.strerror}") from None
    if not token:
        raise UsageError(f"the token file {path} ({source}) is empty")
    return token


def resolve(
    url: str | None, token: str | None, token_file: Path | None, environ: Mapping[str, str]
) -> Connection:
    """The service URL and token: `--url`/`--token`/`--token-file`, else DISPYCLUSTER_URL and
    DISPYCLUSTER_API_TOKEN, else (for a service on this machine only) DATA_DIR/api_token."""
    if url is not None:
        base = _check_url(url, "--url")
    elif environ.get(URL_ENV):
        base = _check_url(environ[URL_ENV], URL_ENV)
    else:
        base = DEFAULT_URL
    if token is not None and token_file is not None:
        raise UsageError("give either --token or --token-file, not both")
    if token is not None:
        if not token.strip():
            raise UsageError("--token is empty")
        return Connection(base, token.strip(), "--token")
    if token_file is not None:
        return Connection(base, _read_token(token_file, "--token-file"), f"--token-file {token_file}")
    if environ.get(TOKEN_ENV, "").strip():
        return Connection(base, environ[TOKEN_ENV].strip(), TOKEN_ENV)
    # The local service's own token never goes to another host: it would hand that host our secret.
    local = Path(environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR) / TOKEN_FILE
    if is_loopback_address(urlsplit(base).hostname or "") and local.is_file():
        try:
            return Connection(base, _read_token(local, "the local service's token"), str(local))
        except UsageError:
            pass  # e.g. the service runs as another user: a loopback service may need no token at all
    return Connection(base, None, None)
