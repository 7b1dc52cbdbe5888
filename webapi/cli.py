"""The `dispycluster` command: one entry point, a subcommand per job."""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def _web(args: argparse.Namespace) -> int:
    import uvicorn

    from webapi.settings import load_settings

    overrides = {k: v for k, v in {"host": args.host, "port": args.port}.items() if v is not None}
    settings = load_settings(**overrides)
    uvicorn.run("webapi.app:app", host=settings.host, port=settings.port)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dispycluster", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    web = sub.add_parser("web", help="run the web service (API, UI, collector, job dispatcher)")
    web.add_argument("--host", help="address to listen on (default: HOST or 127.0.0.1)")
    web.add_argument("--port", type=int, help="port to listen on (default: PORT or 8085)")
    web.set_defaults(handler=_web)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
