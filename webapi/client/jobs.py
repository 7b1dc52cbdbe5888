"""`dispycluster job submit|list|show|logs|cancel|retry`: each takes its parsed arguments and a client,
and answers the exit status."""

from __future__ import annotations

import argparse

from webapi.client.connection import UsageError
from webapi.client.exits import ExitCode, for_ending
from webapi.client.follow import Follower
from webapi.client.http import ApiClient, JsonObject, Query
from webapi.client.output import LogPrinter, details, ending, job_table, message, print_json
from webapi.client.spec import default_name, job_spec, parameters, parse_pairs


def _schema(api: ApiClient, type_name: str) -> JsonObject:
    """The JSON Schema of the type's parameters, as the service has it."""
    types = api.job_types()
    for info in types:
        if info["name"] == type_name:
            schema: JsonObject = info["parameters"]
            return schema
    known = ", ".join(sorted(info["name"] for info in types)) or "none"
    raise UsageError(f"the service has no job type {type_name!r} (it has: {known})")


def _announce(job: JsonObject, what: str) -> str:
    return f"job {job['id']} {what}: {job['name']} ({job['status']})"


def _then(args: argparse.Namespace, api: ApiClient, job: JsonObject, what: str, since: int = 0) -> int:
    """After a submit or retry: print the job, or wait for its end (`--wait`, `--follow`) and answer
    the exit status of that end."""
    if not (args.wait or args.follow):
        if args.json:
            print_json(job)
        else:
            print(_announce(job, what))
        return ExitCode.OK
    message(_announce(job, what))
    follower = Follower(api, job["id"], LogPrinter() if args.follow else None, since)
    ended = follower.until_end()
    if args.json:
        print_json(ended)
    message(ending(ended))
    return for_ending(ended["status"])


def submit(args: argparse.Namespace, api: ApiClient) -> int:
    command: list[str] = args.command_line
    schema = _schema(api, args.type) if command or args.param else {}
    spec = job_spec(
        type_name=args.type,
        name=args.name or default_name(args.type, command),
        parameters=parameters(args.type, schema, args.params_json, args.param, command),
        priority=args.priority,
        timeout_s=args.timeout,
        max_retries=args.max_retries,
        labels=parse_pairs(args.label, "--label"),
        nodes=args.node,
        label_match=parse_pairs(args.label_match, "--label-match"),
    )
    return _then(args, api, api.submit(spec, args.idempotency_key), "submitted")


def list_jobs(args: argparse.Namespace, api: ApiClient) -> int:
    filters = {"status": args.status, "type": args.type, "node": args.node, "q": args.name}
    params: Query = [(key, value) for key, value in filters.items() if value]
    parse_pairs(args.label, "--label")  # checked here: the service would ignore a malformed one
    params += [("label", label) for label in args.label]
    params += [("limit", args.limit), ("offset", args.offset)]
    page = api.jobs(params)
    if args.json:
        print_json(page)
        return ExitCode.OK
    items = page["items"]
    if items:
        print(job_table(items))
    else:
        message("no job matches")
    if page["total"] > args.offset + len(items):
        message(f"{len(items)} of {page['total']} jobs shown: --limit and --offset show others")
    return ExitCode.OK


def show(args: argparse.Namespace, api: ApiClient) -> int:
    job = api.job(args.job_id)
    if args.json:
        print_json(job)
    else:
        print(details(job))
    return ExitCode.OK


def logs(args: argparse.Namespace, api: ApiClient) -> int:
    follower = Follower(api, args.job_id, LogPrinter())
    if not args.follow:
        follower.drain()
        return ExitCode.OK
    ended = follower.until_end()
    message(ending(ended))
    return for_ending(ended["status"])


def cancel(args: argparse.Namespace, api: ApiClient) -> int:
    job, ended = api.cancel(args.job_id)
    if args.json:
        print_json(job)
    elif ended:
        print(f"job {job['id']} {job['status']}")
    else:
        print(f"job {job['id']}: cancel requested, stopping it on {job.get('node') or 'its node'}")
    return ExitCode.OK


def retry(args: argparse.Namespace, api: ApiClient) -> int:
    # A follower starts after the lines of the earlier attempts: they are not this run's.
    start = Follower(api, args.job_id, None)
    if args.follow:
        start.drain()
    job = api.retry(args.job_id)
    return _then(args, api, job, f"queued again (attempt {job['attempts'] + 1})", start.since)
