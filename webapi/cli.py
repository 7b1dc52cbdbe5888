"""The `dispycluster` command: one entry point, a subcommand per job."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from webapi.client.commands import add_job_commands, add_node_actions
from webapi.core.dispy_ports import DEFAULT_NODE_PORT

# How long a thread may hold the GIL while another waits (CPython's default: 5 ms). dispy's client thread
# sends a node its next job only once it gets the GIL: a 5 ms hold by the dispatcher or a request left
# the node's CPU idle that long after each job under load, and 1 ms also cost less CPU in `bench batch`.
GIL_SWITCH_S = 0.001


def _web(args: argparse.Namespace) -> int:
    import gc
    import sys

    import uvicorn

    import webapi.app  # noqa: F401  (every module the service runs, imported before the freeze below)
    from webapi.core.settings import load_settings

    sys.setswitchinterval(GIL_SWITCH_S)
    # The ~140,000 objects imports create live as long as the process: frozen, the collector stops
    # walking them. Each full collection took 60-95 ms of one CPU otherwise, on the thread that happened
    # to allocate, typically a batch POST's (the nodes waited that long for their first jobs).
    gc.freeze()

    # Host and port only say where to listen: whether a token is needed follows from the sockets the
    # server really listens on (`webapi.core.exposure`), whoever binds them.
    settings = load_settings()
    host = args.host or settings.host
    port = args.port or settings.port
    uvicorn.run(
        "webapi.app:create_app",
        factory=True,
        host=host,
        port=port,
        access_log=settings.access_log,
        ssl_certfile=settings.tls_cert,
        ssl_keyfile=settings.tls_key,
    )
    return 0


def _up(args: argparse.Namespace) -> int:
    import sys

    from webapi.core.settings import load_settings
    from webapi.jobs.node_command import local_dispynode
    from webapi.launcher import UpOptions, extra_children, run

    settings = load_settings(**({"data_dir": args.data_dir} if args.data_dir else {}))
    extra_children.append(local_dispynode)
    host = args.host or settings.host
    data_dir = settings.data_dir.resolve()
    if args.tls:
        if settings.tls_cert is not None:
            print(
                "dispycluster up: --tls makes its own certificate: unset DISPYCLUSTER_TLS_CERT and "
                "DISPYCLUSTER_TLS_KEY, or leave out --tls to serve with them",
                file=sys.stderr,
            )
            return 2
        _self_signed_tls(data_dir, host, dispy=settings.dispy_certfile is None)
    https = args.tls or settings.tls_cert is not None
    return run(UpOptions(host=host, port=args.port or settings.port, data_dir=data_dir, https=https))


def _self_signed_tls(data_dir: Path, host: str, *, dispy: bool) -> None:
    """Makes (or reuses) the self-signed certificate and hands it to the children through the
    environment: the web service serves HTTPS with it and, with `dispy`, the service and the local node
    encrypt dispy's traffic with it."""
    import os
    import sys

    from webapi.core.self_signed import ensure_self_signed
    from webapi.core.tls import DISPY_TLS_SUPPORTED, DISPY_TLS_UNSUPPORTED

    cert = ensure_self_signed(data_dir / "tls", extra_names=[host])
    state = "made" if cert.made else "reusing"
    print(f"dispycluster up: {state} self-signed certificate {cert.cert}", flush=True)
    print(f"dispycluster up: sha256 Fingerprint={cert.fingerprint}", flush=True)
    os.environ["DISPYCLUSTER_TLS_CERT"], os.environ["DISPYCLUSTER_TLS_KEY"] = str(cert.cert), str(cert.key)
    if dispy and DISPY_TLS_SUPPORTED:
        os.environ["DISPYCLUSTER_DISPY_CERTFILE"] = str(cert.cert)
        os.environ["DISPYCLUSTER_DISPY_KEYFILE"] = str(cert.key)
    elif dispy:
        print(f"dispycluster up: dispy traffic stays unencrypted: {DISPY_TLS_UNSUPPORTED}", file=sys.stderr)


def _node(args: argparse.Namespace) -> int:
    import os
    import sys

    from webapi.jobs.node_command import NodeCommandError, default_dest, dispynode_argv

    secret = args.secret if args.secret is not None else os.environ.get("DISPYCLUSTER_DISPY_SECRET", "")
    if args.secret is not None:
        print(
            "dispycluster node: --secret shows the secret to every user (ps); "
            "prefer DISPYCLUSTER_DISPY_SECRET in a 0600 environment file",
            file=sys.stderr,
        )
    # dispynode keeps the clients' files and its recovery data: nobody else may read them.
    os.umask(0o077)
    try:
        argv = dispynode_argv(
            host=args.host,
            port=args.port,
            secret=secret,
            dest=args.dest or default_dest(),
            cpus=args.cpus,
            name=args.name,
            certfile=args.certfile,
            keyfile=args.keyfile,
        )
    except NodeCommandError as exc:
        print(f"dispycluster node: {exc}", file=sys.stderr)
        return 2
    os.execv(argv[0], argv)
    return 0  # not reached: execv replaces this process


def _dashboards(args: argparse.Namespace) -> int:
    from dashboards.build import write_dashboards

    for path in write_dashboards(args.out):
        print(path)
    return 0


def _rules(args: argparse.Namespace) -> int:
    from alerts.rules import write_rules

    for path in write_rules(args.out):
        print(path)
    return 0


def _wheelhouse_build(args: argparse.Namespace) -> int:
    import sys

    from webapi.core.settings import load_settings
    from webapi.wheelhouse.build import BuildError, BuildOptions, build

    out = args.out or load_settings().data_dir / "wheelhouse"
    options = BuildOptions(
        out=out.resolve(),
        platforms=args.platform or None,
        python_versions=args.python_version or None,
        source=args.source,
        find_links=args.find_links or [],
        no_index=args.no_index,
        extra_index_urls=args.extra_index_url or [],
    )
    try:
        report = build(options)
    except BuildError as exc:
        print(f"dispycluster wheelhouse build: {exc}", file=sys.stderr)
        return 1
    for line in report.lines():
        print(line)
    return 0


def _add_wheelhouse(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from webapi.wheelhouse.platforms import PLATFORMS, PYTHON_VERSIONS

    wheelhouse = sub.add_parser("wheelhouse", help="the node install's wheels, served at /simple/")
    actions = wheelhouse.add_subparsers(dest="action", required=True)
    build = actions.add_parser("build", help="gather the wheels of the node install for the node platforms")
    build.add_argument(
        "--platform",
        action="append",
        choices=sorted(PLATFORMS),
        help=f"node platform, repeatable (default: all of {', '.join(PLATFORMS)})",
    )
    build.add_argument(
        "--python-version",
        action="append",
        help=f"Python of the nodes, repeatable (default: {' '.join(PYTHON_VERSIONS)})",
    )
    build.add_argument("--out", type=Path, help="wheelhouse directory (default: DATA_DIR/wheelhouse)")
    build.add_argument("--source", type=Path, help="DispyCluster source tree (default: this checkout)")
    build.add_argument("--find-links", action="append", help="also look for packages here (pip's option)")
    build.add_argument("--no-index", action="store_true", help="use --find-links only (pip's option)")
    build.add_argument(
        "--extra-index-url", action="append", help="another index, e.g. piwheels for armv7l (pip's option)"
    )
    build.set_defaults(handler=_wheelhouse_build)


def _token(args: argparse.Namespace) -> int:
    from webapi.access.commands import run

    return run(args)


def _add_token(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from webapi.core.roles import Role

    token = sub.add_parser("token", help="named API tokens with a role (viewer, operator, admin)")
    actions = token.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="make a token and print it (the only time it is shown)")
    create.add_argument("--name", required=True, help="the token's name (letters, digits, _ . @ -)")
    create.add_argument("--role", required=True, choices=[role.value for role in Role])
    create.add_argument("--expires", help="30d, 12h, 90m, 2w from now, or an ISO 8601 time (default: never)")
    actions.add_parser("list", help="every token: name, role, created, expires, last used (never the secret)")
    revoke = actions.add_parser("revoke", help="delete a token: it stops working within a second")
    revoke.add_argument("name")
    token.set_defaults(handler=_token)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dispycluster", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    web = sub.add_parser("web", help="run the web service (API, UI, collector, job dispatcher)")
    web.add_argument("--host", help="address to listen on (default: HOST or 127.0.0.1)")
    web.add_argument("--port", type=int, help="port to listen on (default: PORT or 8085)")
    web.set_defaults(handler=_web)

    up = sub.add_parser("up", help="run the web service with a local exporter (what `make run` does)")
    up.add_argument("--host", help="address the web service listens on (default: HOST or 127.0.0.1)")
    up.add_argument("--port", type=int, help="port of the web service (default: PORT or 8085)")
    up.add_argument("--data-dir", type=Path, help="data directory (default: DISPYCLUSTER_DATA_DIR or data)")
    up.add_argument(
        "--tls",
        action="store_true",
        help="HTTPS and TLS dispy traffic with a self-signed certificate kept in DATA_DIR/tls (its "
        "fingerprint is printed)",
    )
    up.set_defaults(handler=_up)

    node = sub.add_parser(
        "node", help="run a dispy node for this service (what the systemd unit runs); drain or resume one"
    )
    node.add_argument("--host", help="address the node listens on (default: dispy picks the main one)")
    node.add_argument(
        "--port",
        type=int,
        default=DEFAULT_NODE_PORT,
        help=f"port the node listens on (default: {DEFAULT_NODE_PORT})",
    )
    node.add_argument(
        "--secret",
        help="shared secret (default: DISPYCLUSTER_DISPY_SECRET, which `ps` does not show); required "
        "off loopback",
    )
    node.add_argument("--cpus", type=int, help="CPUs to serve (negative: leave that many free)")
    node.add_argument("--name", help="node name reported to the service (default: the host name)")
    node.add_argument("--dest", type=Path, help="where job files go (default: $TMPDIR/dispycluster-node)")
    node.add_argument(
        "--certfile",
        type=Path,
        help="certificate (PEM) that encrypts dispy traffic; the service's DISPYCLUSTER_DISPY_CERTFILE must "
        "be this certificate or its CA (Python 3.11 only)",
    )
    node.add_argument("--keyfile", type=Path, help="key of --certfile (default: the key is in that file)")
    node.set_defaults(handler=_node)
    add_node_actions(node)
    add_job_commands(sub)

    dashboards = sub.add_parser("dashboards", help="write the Grafana dashboards' JSON")
    dashboards.add_argument("--out", type=Path, required=True, help="directory for the *.json files")
    dashboards.set_defaults(handler=_dashboards)

    rules = sub.add_parser("rules", help="write the Prometheus alerting and recording rules")
    rules.add_argument("--out", type=Path, required=True, help="directory for the rule files")
    rules.set_defaults(handler=_rules)
    _add_wheelhouse(sub)
    _add_token(sub)
    return parser


# What a compute node's base install runs (`node` alone, not `node drain`); every other command needs
# `dispycluster[server]`.
BASE_COMMANDS = frozenset({"node"})


def main(argv: Sequence[str] | None = None) -> int:
    import sys

    from webapi.core.extras import server_install_hint

    args = build_parser().parse_args(argv)
    node_action = getattr(args, "node_action", None)
    if args.command in BASE_COMMANDS and node_action is None:
        hint = None
    else:
        hint = server_install_hint(f"{args.command} {node_action}" if node_action else args.command)
    if hint is not None:
        print(hint, file=sys.stderr)
        return 2
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
