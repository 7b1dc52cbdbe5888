"""The client's subcommands on the `dispycluster` parser.

Only argparse here: a handler imports the client (httpx) when it runs, so that `dispycluster node` still
starts on a compute node's base install, and `--help` stays quick.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from webapi.jobs.states import JobStatus

# The actions that take a command line after `--`.
TAKES_COMMAND_LINE = frozenset({"submit"})
EXIT_CODES = (
    "exit status: 0 succeeded (or done), 1 failed, 2 usage error, 3 cancelled, 4 timed out, 5 lost, "
    "6 refused by the service (401, 404, 422…), 7 service unreachable, 130 interrupted"
)

if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:  # generic for the type checker only
    SubParsers = argparse._SubParsersAction


class _CommandLineActions(SubParsers):
    """Subcommands of which everything after the first `--` is a job's command line, verbatim.

    argparse on its own would drop every later `--` too (`ls -- -l` would run as `ls -l`) and refuse
    an option between the job type and `--`.
    """

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        arguments = [values] if isinstance(values, str) else list(values or [])
        tail: list[str] = []
        if "--" in arguments:
            cut = arguments.index("--")
            arguments, tail = arguments[:cut], arguments[cut + 1 :]
            if arguments and arguments[0] not in TAKES_COMMAND_LINE:
                parser.error(f"only `{parser.prog} submit` takes a command line after --")
        namespace.command_line = tail
        super().__call__(parser, namespace, arguments, option_string)


def _client(command: str) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        from webapi.client.run import run  # noqa: PLC0415 (lazily: see the module's docstring)

        return run(command, args)

    return handler


def _connection_options() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    group = options.add_argument_group("service")
    group.add_argument(
        "--url", help="the service's URL (default: DISPYCLUSTER_URL, else http://127.0.0.1:8085)"
    )
    group.add_argument(
        "--token",
        help="API token; other users can read it in `ps`: prefer --token-file or DISPYCLUSTER_API_TOKEN",
    )
    group.add_argument(
        "--token-file",
        type=Path,
        metavar="PATH",
        help="file holding the API token (default: DISPYCLUSTER_API_TOKEN, else the token file of a "
        "service on this machine: DISPYCLUSTER_DATA_DIR or ./data, file api_token)",
    )
    options.add_argument("--json", action="store_true", help="print the API's JSON answer (for scripts)")
    return options


def _add_waiting(parser: argparse.ArgumentParser, what: str) -> None:
    waiting = parser.add_mutually_exclusive_group()
    waiting.add_argument("--wait", action="store_true", help=f"wait until {what} ends; exit status says how")
    waiting.add_argument(
        "--follow", "-f", action="store_true", help=f"print the logs until {what} ends; exit status says how"
    )


def _add_submit(actions: SubParsers, common: argparse.ArgumentParser) -> None:
    submit = actions.add_parser(
        "submit",
        parents=[common],
        help="submit a job",
        usage="%(prog)s [options] TYPE [-- COMMAND [ARG ...]]",
        description="Submit a job of TYPE (see GET /api/jobs/types). Everything after `--` is the job's "
        "command line, for types that run one (processing).",
        epilog=EXIT_CODES,
    )
    submit.add_argument("type", metavar="TYPE", help="job type, e.g. processing, scraping, analysis")
    submit.add_argument("--name", help="job name (default: the command line, else the type)")
    submit.add_argument(
        "--param",
        "-p",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a parameter, repeatable; VALUE is JSON (3, true, [1,2]) unless the parameter is a string",
    )
    submit.add_argument("--params-json", metavar="JSON", help="all parameters as a JSON object, or @FILE")
    submit.add_argument("--priority", type=int, metavar="N", help="1..10, higher runs first (default 5)")
    submit.add_argument("--timeout", type=float, metavar="SECONDS", help="stop the job after this long")
    submit.add_argument(
        "--max-retries", type=int, metavar="N", help="automatic new attempts after a failure (default 1)"
    )
    submit.add_argument(
        "--label", action="append", default=[], metavar="KEY=VALUE", help="a label on the job, repeatable"
    )
    submit.add_argument(
        "--node", action="append", default=[], metavar="NAME", help="run only on this node (repeatable: any)"
    )
    submit.add_argument(
        "--label-match",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="run only on a node with this inventory label (repeatable: all must match)",
    )
    submit.add_argument(
        "--idempotency-key",
        metavar="KEY",
        help="submitting again with the same key and body answers the first job instead of a new one",
    )
    _add_waiting(submit, "the job")
    submit.set_defaults(handler=_client("job submit"))


def add_job_commands(sub: SubParsers) -> None:
    """`dispycluster job …`."""
    common = _connection_options()
    job = sub.add_parser("job", help="submit, watch and manage jobs through the service's API")
    actions = job.add_subparsers(dest="action", required=True, action=_CommandLineActions)
    _add_submit(actions, common)

    listing = actions.add_parser("list", parents=[common], help="list jobs, newest first")
    listing.add_argument(
        "--status", choices=[status.value for status in JobStatus], help="only jobs in this state"
    )
    listing.add_argument("--type", help="only jobs of this type")
    listing.add_argument("--node", help="only jobs that ran on this node")
    listing.add_argument("--name", help="only jobs whose name contains this")
    listing.add_argument(
        "--label",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="only jobs with this label (repeatable)",
    )
    listing.add_argument(
        "--limit", type=int, default=50, metavar="N", help="at most this many (1..500, default 50)"
    )
    listing.add_argument("--offset", type=int, default=0, metavar="N", help="skip this many")
    listing.set_defaults(handler=_client("job list"))

    show = actions.add_parser("show", parents=[common], help="a job's details, result and error")
    show.add_argument("job_id", type=int, metavar="ID")
    show.set_defaults(handler=_client("job show"))

    logs = actions.add_parser("logs", parents=[common], help="a job's output", epilog=EXIT_CODES)
    logs.add_argument("job_id", type=int, metavar="ID")
    logs.add_argument(
        "--follow", "-f", action="store_true", help="print new lines until the job ends; exit status says how"
    )
    logs.set_defaults(handler=_client("job logs"))

    cancel = actions.add_parser("cancel", parents=[common], help="cancel a queued or running job")
    cancel.add_argument("job_id", type=int, metavar="ID")
    cancel.set_defaults(handler=_client("job cancel"))

    retry = actions.add_parser(
        "retry", parents=[common], help="queue a job that did not succeed again", epilog=EXIT_CODES
    )
    retry.add_argument("job_id", type=int, metavar="ID")
    _add_waiting(retry, "the new attempt")
    retry.set_defaults(handler=_client("job retry"))


def add_node_actions(node: argparse.ArgumentParser) -> None:
    """`dispycluster node drain|resume NAME`; `dispycluster node` alone still runs a dispy node."""
    common = _connection_options()
    actions = node.add_subparsers(dest="node_action", title="node control, through the service's API")
    drain = actions.add_parser(
        "drain", parents=[common], help="no new job starts on the node; its running jobs finish"
    )
    drain.add_argument("name", metavar="NAME", help="the node's inventory name")
    drain.add_argument("--reason", help="why, shown with the node")
    drain.add_argument(
        "--until",
        metavar="WHEN",
        help="when the drain ends by itself: a duration (30m, 2h, 1d) or an ISO 8601 time (UTC without "
        "an offset)",
    )
    drain.set_defaults(handler=_client("node drain"))
    resume = actions.add_parser("resume", parents=[common], help="the node takes new jobs again")
    resume.add_argument("name", metavar="NAME", help="the node's inventory name")
    resume.set_defaults(handler=_client("node resume"))
