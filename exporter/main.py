"""`dispycluster-exporter`: parse the flags, build the collectors and serve until SIGTERM or Ctrl-C."""

from __future__ import annotations

import ctypes
import gc
import logging
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from exporter.flags import parse
from exporter.scrape import NodeExporter
from exporter.server import MetricsServer

log = logging.getLogger("exporter")
LOG_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warn": logging.WARNING, "error": logging.ERROR}


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _release_free_memory() -> None:
    """Hand the C heap's free pages back to the system: start-up leaves 0.6 MiB of them (glibc only)."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # another C library
        return
    trim(0)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse(argv)
    logging.basicConfig(
        level=LOG_LEVELS[options.log_level], format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    web = None
    if options.web_config_file is not None:
        # Imported here: bcrypt and PyYAML cost 2 MB of RSS that exporters without the flag need not pay.
        from exporter.webconfig import WebConfigError, WebConfigFile  # noqa: PLC0415

        try:
            web = WebConfigFile(options.web_config_file)
        except WebConfigError as error:
            print(
                f"dispycluster-exporter: web config file {options.web_config_file}: {error}", file=sys.stderr
            )
            return 1
    exporter = NodeExporter(options.config, options.collectors, exporter_metrics=options.exporter_metrics)
    try:
        server = MetricsServer(options.listen_address, exporter, options.telemetry_path, web)
    except OSError as error:
        print(f"dispycluster-exporter: cannot listen on {options.listen_address}: {error}", file=sys.stderr)
        return 1
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in host else host
    print(
        f"dispycluster-exporter listening on {'https' if web and web.tls else 'http'}://{shown}:{port}"
        f"{options.telemetry_path}"
        f" (collectors: {', '.join(options.collectors) or 'none'})",
        flush=True,
    )
    signal.signal(signal.SIGTERM, _stop)
    # Everything built so far (modules, collectors, the server) lives as long as the process: out of the
    # garbage collector's sight, an occasional full collection walks a scrape's objects, not 60,000 more.
    # Start-up's own garbage (argparse's cycles, ...) is collected first, or it would be kept for good.
    gc.collect()
    gc.freeze()
    _release_free_memory()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log.info("shutting down")
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
