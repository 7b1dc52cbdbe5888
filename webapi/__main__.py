"""`python -m webapi`: the development server (auto-reload when DEBUG=true)."""

from __future__ import annotations

import uvicorn

from webapi.core.settings import load_settings


def main() -> None:
    settings = load_settings()
    uvicorn.run(
        "webapi.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        reload=settings.debug,
        access_log=settings.access_log,
        ssl_certfile=settings.tls_cert,
        ssl_keyfile=settings.tls_key,
    )


if __name__ == "__main__":
    main()
