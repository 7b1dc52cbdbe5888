"""The HTTP client that scrapes the exporters, configured as a Prometheus scrape job would be: `scheme`,
a CA file, a client certificate, basic auth with a password file (read again at every scrape, so a
rotated password needs no restart). Used for the inventory's exporters only, never for `scraping` jobs."""

from __future__ import annotations

import base64
from collections.abc import Generator
from pathlib import Path

import httpx

from webapi.core.settings import Settings
from webapi.core.tls import client_context


class PasswordFileAuth(httpx.Auth):
    """Basic auth whose password is the content of a file (surrounding whitespace trimmed, as Prometheus'
    `password_file`)."""

    def __init__(self, username: str, password_file: Path) -> None:
        self.username, self.password_file = username, password_file

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        password = self.password_file.read_text(encoding="utf-8").strip()
        credentials = base64.b64encode(f"{self.username}:{password}".encode()).decode("ascii")
        request.headers["Authorization"] = f"Basic {credentials}"
        yield request


def exporter_client(settings: Settings) -> httpx.AsyncClient:
    limit = settings.collect_concurrency
    auth = None
    if settings.exporter_basic_auth_user and settings.exporter_basic_auth_password_file:
        auth = PasswordFileAuth(settings.exporter_basic_auth_user, settings.exporter_basic_auth_password_file)
    verify = client_context(
        settings.exporter_ca_file, settings.exporter_cert_file, settings.exporter_key_file
    )
    return httpx.AsyncClient(
        limits=httpx.Limits(max_connections=limit, max_keepalive_connections=limit),
        trust_env=False,
        verify=verify,
        auth=auth,
    )
