"""Runs one client command: the connection from flags and environment, the errors as one line on stderr
and an exit status, never a traceback."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from webapi.client import jobs, nodes
from webapi.client.connection import TOKEN_ENV, Connection, UsageError, resolve
from webapi.client.exits import ExitCode
from webapi.client.http import ApiClient, ApiError, UnreachableError
from webapi.client.output import message

Command = Callable[[argparse.Namespace, ApiClient], int]
COMMANDS: dict[str, Command] = {
    "job submit": jobs.submit,
    "job list": jobs.list_jobs,
    "job show": jobs.show,
    "job logs": jobs.logs,
    "job cancel": jobs.cancel,
    "job retry": jobs.retry,
    "node drain": nodes.drain,
    "node resume": nodes.resume,
}


def refusal(error: ApiError, connection: Connection) -> str:
    """The service's words, and for a 401 which token was refused or that none was sent."""
    text = f"{error.message} (HTTP {error.status})"
    if error.status != 401:
        return text
    if connection.token_source is None:
        return f"{text}; no token was sent: pass --token-file or set {TOKEN_ENV}"
    return f"{text}; the token from {connection.token_source} is not this service's"


def _quiet_stdout() -> None:
    """The reader of stdout went away (`| head`): nothing more to print, and no complaint at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def run(command: str, args: argparse.Namespace) -> int:
    def fail(text: str, code: ExitCode) -> int:
        message(f"dispycluster {command}: {text}")
        return code

    try:
        connection = resolve(args.url, args.token, args.token_file, os.environ)
    except UsageError as error:
        return fail(str(error), ExitCode.USAGE)
    try:
        if args.json and getattr(args, "follow", False):
            raise UsageError("--json does not go with --follow: the logs are text")
        with ApiClient(connection) as api:
            return COMMANDS[command](args, api)
    except UsageError as error:
        return fail(str(error), ExitCode.USAGE)
    except UnreachableError as error:
        return fail(str(error), ExitCode.UNREACHABLE)
    except ApiError as error:
        return fail(refusal(error, connection), ExitCode.REFUSED)
    except KeyboardInterrupt:
        return fail("interrupted (a job goes on all the same)", ExitCode.INTERRUPTED)
    except BrokenPipeError:
        _quiet_stdout()
        return ExitCode.OK
