"""The app in process (Starlette's TestClient): such a client is never taken for a local one, so it
sends a token, as every client beyond loopback must."""

from __future__ import annotations

from fastapi.testclient import TestClient
from pydantic import SecretStr

from webapi.app import create_app
from webapi.core.settings import Settings

IN_PROCESS_TOKEN = "in-process-client-token-0123456789"


def in_process_client(settings: Settings, **kwargs: object) -> TestClient:
    """A TestClient of `create_app(settings)` that sends the settings' token (one is set if none is)."""
    if settings.api_token is None:
        settings = settings.model_copy(update={"api_token": SecretStr(IN_PROCESS_TOKEN)})
    token = settings.api_token.get_secret_value()  # type: ignore[union-attr]
    return TestClient(create_app(settings), headers={"Authorization": f"Bearer {token}"}, **kwargs)  # type: ignore[arg-type]
