"""Node side of `processing`: runs an argv list (never through a shell) and reports its output.

Standard library only: this module's source is shipped to the node by dispy and executed there.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import IO, Any

PROGRESS_AFTER_S = 0.5


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """The command runs in its own session, so its children go too."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=2)
            return
        except subprocess.TimeoutExpired:
            continue


def _bounded(stream: IO[bytes], limit: int) -> tuple[str, int]:
    size = stream.seek(0, os.SEEK_END)
    stream.seek(0)
    text = stream.read(limit).decode("utf-8", errors="replace")
    if size > limit:
        text += f"\n[output truncated: {size} bytes, {limit} kept]\n"
    return text, size


def _wait(
    proc: subprocess.Popen[bytes], started: float, timeout: float | None, progress: Callable[..., None]
) -> bool:
    """Waits for the command (False: killed at its timeout). A command still running after
    PROGRESS_AFTER_S is reported once, so short commands cost no extra message to the service."""
    deadline = None if timeout is None else started + timeout
    first = PROGRESS_AFTER_S if deadline is None else min(PROGRESS_AFTER_S, deadline - time.monotonic())
    try:
        proc.wait(timeout=max(first, 0.0))
        return True
    except subprocess.TimeoutExpired:
        pass
    progress(0, f"running as pid {proc.pid}")
    try:
        proc.wait(timeout=None if deadline is None else max(deadline - time.monotonic(), 0.0))
        return True
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        return False


def run(params: dict[str, Any], context: dict[str, Any], progress: Callable[..., None]) -> dict[str, Any]:
    if not context.get("allow_commands", False):
        raise PermissionError("commands are switched off on this service (DISPYCLUSTER_ALLOW_COMMANDS)")
    timeout = params.get("timeout_s")
    env = {**os.environ, **(params.get("env") or {})}
    limit = int(context.get("output_limit", 65536))
    started = time.monotonic()
    with tempfile.TemporaryFile() as stdin, tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        # Through a file, so a large stdin can never block us against a command that does not read it.
        stdin.write((params.get("stdin") or "").encode())
        stdin.seek(0)
        proc = subprocess.Popen(
            params["command"], stdin=stdin, stdout=out, stderr=err, env=env, start_new_session=True
        )
        try:
            timed_out = not _wait(proc, started, timeout, progress)
        except BaseException:
            # A cancel arrives as KeyboardInterrupt: the command must not outlive the job.
            _kill_group(proc)
            raise
        stdout, stdout_size = _bounded(out, limit)
        stderr, stderr_size = _bounded(err, limit)
    sys.stdout.write(stdout)
    sys.stderr.write(stderr)
    if timed_out:
        raise TimeoutError(f"command still running after {timeout} s; killed")
    if proc.returncode != 0:
        raise RuntimeError(f"command exited with code {proc.returncode}")
    return {
        "exit_code": proc.returncode,
        "duration_ms": round((time.monotonic() - started) * 1000, 1),
        "stdout_bytes": stdout_size,
        "stderr_bytes": stderr_size,
    }
