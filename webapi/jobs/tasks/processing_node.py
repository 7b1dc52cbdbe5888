"""Node side of `processing`: runs an argv list (never through a shell) and streams its output.

Standard library only: this module's source is shipped to the node by dispy and executed there.

The command's stdout and stderr are read line by line as it runs and sent to the service in batches
(`context["send_output"]`, dispy's provisional results: one pickled message per send, so never one per
line): every FLUSH_S seconds, or as soon as FLUSH_LINES lines wait. Each stream is bounded by
`context["output_limit"]` bytes; what is over is counted, not sent. What could not be sent (no service to
send to, a send that failed) goes to this process's stdout/stderr, which dispy returns with the reply.
"""

import contextlib
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import IO, Any

PROGRESS_AFTER_S = 0.5
# A batch goes out after this long, or as soon as this many lines wait (a chatty command costs the
# service a few messages a second, whatever it prints).
FLUSH_S = 0.5
FLUSH_LINES = 500
# A longer line is cut into pieces of this many bytes.
LINE_MAX = 8192
# A command that exited may have left a child holding its output open: read no longer than this after.
DRAIN_AFTER_EXIT_S = 1.0
STREAMS = ("stdout", "stderr")


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


def split_lines(pending: bytes, data: bytes, line_max: int = LINE_MAX) -> tuple[list[str], bytes]:
    """The complete lines of `pending + data` (without their newline) and the unfinished rest; a piece
    longer than `line_max` bytes counts as a line. An empty `data` is the end: the rest is a line too."""
    buffer = pending + data
    lines: list[bytes] = []
    while True:
        cut = buffer.find(b"\n", 0, line_max + 1)
        if cut >= 0:
            lines.append(buffer[:cut])
            buffer = buffer[cut + 1 :]
        elif len(buffer) > line_max:
            lines.append(buffer[:line_max])
            buffer = buffer[line_max:]
        else:
            break
    if not data and buffer:
        lines.append(buffer)
        buffer = b""
    return [line.decode("utf-8", errors="replace") for line in lines], buffer


class OutputBuffer:
    """The lines read and not sent yet, in the order read, with each stream bounded to `limit` bytes."""

    def __init__(self, limit: int, flush_s: float = FLUSH_S, flush_lines: int = FLUSH_LINES) -> None:
        self.limit = limit
        self.flush_s = flush_s
        self.flush_lines = flush_lines
        self.lines: list[tuple[str, str]] = []
        self.kept = dict.fromkeys(STREAMS, 0)
        self.seen = dict.fromkeys(STREAMS, 0)
        self.full: set[str] = set()
        self.last_flush = 0.0

    def add(self, stream: str, line: str) -> None:
        size = len(line.encode()) + 1
        self.seen[stream] += size
        if stream in self.full or self.kept[stream] + size > self.limit:
            if stream not in self.full:
                # Once: the stream is full from here on.
                self.full.add(stream)
                note = f"[{stream} truncated: over {self.limit} bytes, the rest dropped]"
                self.lines.append((stream, note))
            return
        self.kept[stream] += size
        self.lines.append((stream, line))

    def due(self, now: float) -> bool:
        if len(self.lines) >= self.flush_lines:
            return True
        return bool(self.lines) and now - self.last_flush >= self.flush_s

    def take(self, now: float) -> list[tuple[str, str]]:
        """The next batch (at most `flush_lines` lines, oldest first)."""
        batch, self.lines = self.lines[: self.flush_lines], self.lines[self.flush_lines :]
        self.last_flush = now
        return batch

    def summary(self) -> list[tuple[str, str]]:
        """A closing line for each stream that went over the limit."""
        return [
            (stream, f"[{stream}: {self.seen[stream]} bytes in all, {self.limit} kept]")
            for stream in STREAMS
            if self.seen[stream] > self.limit
        ]


class LiveOutput:
    """Reads the command's pipes and sends their lines through `send` (False: not delivered)."""

    def __init__(
        self, proc: subprocess.Popen[bytes], send: Callable[[list[list[str]]], bool] | None, limit: int
    ) -> None:
        self.buffer = OutputBuffer(limit)
        self._send = send
        self._selector = selectors.DefaultSelector()
        self._pending: dict[str, bytes] = {}
        self._pipes: dict[str, IO[bytes]] = {}
        self._ended = False
        for stream in STREAMS:
            pipe = self._pipes[stream] = getattr(proc, stream)
            os.set_blocking(pipe.fileno(), False)
            self._selector.register(pipe, selectors.EVENT_READ, stream)
            self._pending[stream] = b""

    @property
    def open(self) -> bool:
        return bool(self._selector.get_map())

    def read(self, timeout: float) -> bool:
        """Takes what the pipes have within `timeout` seconds (stdout first when both have something);
        False when they had nothing."""
        ready = sorted(self._selector.select(timeout), key=lambda event: STREAMS.index(event[0].data))
        for key, _mask in ready:
            stream = key.data
            try:
                data = os.read(key.fd, 65536)
            except BlockingIOError:
                continue
            lines, self._pending[stream] = split_lines(self._pending[stream], data)
            for line in lines:
                self.buffer.add(stream, line)
            if not data:
                self._selector.unregister(key.fileobj)
                self._pipes[stream].close()
        if self.buffer.due(time.monotonic()):
            self.flush(final=False)
        return bool(ready)

    def drain(self) -> None:
        """Reads what is left in the pipes (the command has ended or been killed), for a moment at most:
        a child left behind may keep them open."""
        until = time.monotonic() + DRAIN_AFTER_EXIT_S
        while self.open and self.read(0) and time.monotonic() < until:
            pass

    def flush(self, final: bool) -> None:
        """Sends the batches due (all of them when `final`)."""
        if final and not self._ended:
            # Once, though a cancel during the last sends makes the caller flush again.
            self._ended = True
            for stream in STREAMS:
                for line in split_lines(self._pending[stream], b"")[0]:
                    self.buffer.add(stream, line)
                self._pending[stream] = b""
            self.buffer.lines.extend(self.buffer.summary())
        while self.buffer.lines and (final or self.buffer.due(time.monotonic())):
            batch = self.buffer.take(time.monotonic())
            try:
                delivered = self._send is not None and self._send([list(pair) for pair in batch])
            except BaseException:
                # A cancel while sending: the batch goes again with the rest, after the command is stopped.
                self.buffer.lines[:0] = batch
                raise
            if not delivered:
                # Returned with dispy's reply instead (the service logs it when the job ends).
                for stream, line in batch:
                    getattr(sys, stream).write(line + "\n")

    def close(self) -> None:
        for pipe in self._pipes.values():
            pipe.close()
        self._selector.close()


def _follow(
    proc: subprocess.Popen[bytes],
    output: LiveOutput,
    started: float,
    timeout: float | None,
    progress: Callable[..., None],
) -> bool:
    """Reads the output until the command ends (False: killed at its timeout). A command still running
    after PROGRESS_AFTER_S is reported once, so short commands cost no extra message to the service."""
    deadline = None if timeout is None else started + timeout
    reported = False
    exited_at: float | None = None
    while True:
        now = time.monotonic()
        if exited_at is None and proc.poll() is not None:
            exited_at = now
        if exited_at is not None and (not output.open or now - exited_at > DRAIN_AFTER_EXIT_S):
            return True
        if deadline is not None and now >= deadline:
            _kill_group(proc)
            return False
        if not reported and now - started >= PROGRESS_AFTER_S:
            progress(0, f"running as pid {proc.pid}")
            reported = True
        wait = FLUSH_S if deadline is None else max(min(FLUSH_S, deadline - now), 0.0)
        if output.open:
            output.read(wait)
        else:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=wait)


def run(params: dict[str, Any], context: dict[str, Any], progress: Callable[..., None]) -> dict[str, Any]:
    if not context.get("allow_commands", False):
        raise PermissionError("commands are switched off on this service (DISPYCLUSTER_ALLOW_COMMANDS)")
    timeout = params.get("timeout_s")
    env = {**os.environ, **(params.get("env") or {})}
    started = time.monotonic()
    with tempfile.TemporaryFile() as stdin:
        # Through a file, so a large stdin can never block us against a command that does not read it.
        stdin.write((params.get("stdin") or "").encode())
        stdin.seek(0)
        proc = subprocess.Popen(
            params["command"],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
    output = LiveOutput(proc, context.get("send_output"), int(context.get("output_limit", 65536)))
    try:
        timed_out = not _follow(proc, output, started, timeout, progress)
        output.drain()
        output.flush(final=True)
    except BaseException:
        # A cancel arrives as KeyboardInterrupt: the command must not outlive the job, and what it
        # printed until then still reaches the service.
        _kill_group(proc)
        output.drain()
        output.flush(final=True)
        raise
    finally:
        output.close()
    if timed_out:
        raise TimeoutError(f"command still running after {timeout} s; killed")
    if proc.returncode != 0:
        raise RuntimeError(f"command exited with code {proc.returncode}")
    return {
        "exit_code": proc.returncode,
        "duration_ms": round((time.monotonic() - started) * 1000, 1),
        "stdout_bytes": output.buffer.seen["stdout"],
        "stderr_bytes": output.buffer.seen["stderr"],
    }
