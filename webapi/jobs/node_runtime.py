"""The two functions dispy ships to every node (their source, not this module: imports stay inside).

A stock dispynode runs them with nothing of ours installed: `dispycluster_run` receives the source of a
task module (standard library only), executes it and calls its entry function; the reply is a plain
dict, so unpickling it on the service needs nothing from the node either.
"""

from typing import Any


def dispycluster_setup() -> int:
    """Runs once per node before its first job; 2 makes dispynode keep this setup process and fork
    every job from it.

    Without that (a setup returning 0 that defines no global runs each job as a `multiprocessing.Process`
    of dispynode itself), dispynode 4.15.2 races with short jobs: a job that ends before `start()` returns
    in dispynode makes its reply thread die ("can only join a started process") and that node never
    answers again. Jobs forked from the setup process are followed by pid instead and do not race.
    """
    return 2


def dispycluster_run(
    source: str, entry: str, params: dict[str, object], context: dict[str, object]
) -> dict[str, object]:
    """Runs one task (or one chunk of it) on the node; never raises for a task error, reports it."""
    # dispy ships only this function's source: its imports live inside, and the node evaluates the
    # signature's annotations, so they name builtins only.
    import traceback  # noqa: PLC0415

    def report(payload: dict[str, object]) -> bool:
        # dispynode defines it in the job's globals; absent when the function runs outside dispy.
        send = globals().get("dispy_provisional_result")
        return send is not None and send(payload) == 0

    def progress(percent: float, message: str | None = None) -> None:
        report({"progress": float(percent), "message": message})

    def send_output(lines: list[list[str]]) -> bool:
        """Sends `[[stream, text], ...]` to the service now; False when it was not delivered."""
        return report({"output": lines})

    namespace: dict[str, Any] = {"__name__": "dispycluster_task"}
    reply: dict[str, object]
    try:
        exec(compile(source, "<dispycluster task>", "exec"), namespace)
        # What the service gave, plus what the node gives: the output channel (not picklable, node only).
        given = {**context, "send_output": send_output}
        reply = {"ok": True, "result": namespace[entry](params, given, progress)}
    except TimeoutError as exc:
        reply = {"ok": False, "timed_out": True, "error": str(exc) or "timed out"}
    except Exception as exc:
        reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
    return reply
