"""The node side of `processing`'s live output: lines, bounds, batches, and what is never lost."""

from __future__ import annotations

import subprocess
import sys

import pytest

from webapi.jobs.dispatch.outcomes import OUTPUT_LINE_MAX, OUTPUT_LINES_MAX, reported_output
from webapi.jobs.tasks import processing_node
from webapi.jobs.tasks.processing_node import LiveOutput, OutputBuffer, split_lines


def test_split_lines_keeps_the_unfinished_rest_until_the_end():
    lines, rest = split_lines(b"", b"one\ntwo\nthr")
    assert (lines, rest) == (["one", "two"], b"thr")
    lines, rest = split_lines(rest, b"ee\n")
    assert (lines, rest) == (["three"], b"")
    assert split_lines(b"tail", b"") == (["tail"], b"")


def test_split_lines_cuts_a_line_too_long_and_decodes_bad_bytes():
    lines, rest = split_lines(b"", b"x" * 10 + b"\xff\n", line_max=4)
    assert lines == ["xxxx", "xxxx", "xx\ufffd"]
    assert rest == b""


def test_the_buffer_bounds_each_stream_on_its_own_and_says_so():
    buffer = OutputBuffer(limit=11)
    for line in ("12345", "1234", "more"):
        buffer.add("stdout", line)
    buffer.add("stderr", "err")
    assert buffer.lines == [
        ("stdout", "12345"),
        ("stdout", "1234"),
        ("stdout", "[stdout truncated: over 11 bytes, the rest dropped]"),
        ("stderr", "err"),
    ]
    assert buffer.summary() == [("stdout", "[stdout: 16 bytes in all, 11 kept]")]


def test_batches_hold_at_most_the_lines_per_flush_oldest_first():
    buffer = OutputBuffer(limit=10_000, flush_s=60.0, flush_lines=3)
    buffer.last_flush = 100.0
    buffer.add("stdout", "a")
    assert not buffer.due(100.0)
    assert buffer.due(160.0)
    for text in "bcd":
        buffer.add("stdout", text)
    assert buffer.due(100.0)
    assert [text for _s, text in buffer.take(100.0)] == ["a", "b", "c"]
    assert buffer.lines == [("stdout", "d")]


def _command(script: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(["sh", "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_live_output_reads_both_streams_apart_in_order_and_sends_them_all():
    sent: list[list[list[str]]] = []
    proc = _command("for i in 1 2 3; do echo out$i; echo err$i >&2; done")
    output = LiveOutput(proc, lambda batch: sent.append(batch) or True, limit=10_000)
    while output.open:
        output.read(1.0)
    output.flush(final=True)
    output.close()
    proc.wait()
    lines = [tuple(line) for batch in sent for line in batch]
    assert [text for stream, text in lines if stream == "stdout"] == ["out1", "out2", "out3"]
    assert [text for stream, text in lines if stream == "stderr"] == ["err1", "err2", "err3"]


def test_lines_that_could_not_be_sent_come_back_with_the_reply(capfd: pytest.CaptureFixture[str]):
    proc = _command("echo kept; echo also >&2")
    output = LiveOutput(proc, lambda _batch: False, limit=10_000)
    while output.open:
        output.read(1.0)
    output.flush(final=True)
    output.close()
    proc.wait()
    captured = capfd.readouterr()
    assert "kept\n" in captured.out and "also\n" in captured.err


def test_a_command_run_outside_dispy_writes_its_output_to_the_process(capfd: pytest.CaptureFixture[str]):
    context = {"allow_commands": True, "output_limit": 4096}
    result = processing_node.run({"command": [sys.executable, "-c", "print('hi')"]}, context, lambda *_: None)
    assert result["exit_code"] == 0 and result["stdout_bytes"] == 3
    assert capfd.readouterr().out == "hi\n"


def test_a_cancel_kills_the_command_and_still_sends_what_it_printed():
    sent: list[list[str]] = []

    def send(batch: list[list[str]]) -> bool:
        if not sent:
            sent.append(["cancelled", "while sending"])
            # dispynode's cancel arrives as KeyboardInterrupt, here in the middle of the first send.
            raise KeyboardInterrupt
        sent.extend(batch)
        return True

    context = {"allow_commands": True, "output_limit": 4096, "send_output": send}
    with pytest.raises(KeyboardInterrupt):
        processing_node.run({"command": ["sh", "-c", "echo started; sleep 30"]}, context, lambda *_: None)
    assert sent == [["cancelled", "while sending"], ["stdout", "started"]]


def test_reported_output_keeps_known_streams_and_text_only_within_bounds():
    assert reported_output({"progress": 5}) is None
    assert reported_output("text") is None
    lines = reported_output(
        {"output": [["stdout", "a"], ["secret", "b"], ["stderr", 3], "junk", ["stderr", "y" * 20_000]]}
    )
    assert lines == (("stdout", "a"), ("stderr", "y" * OUTPUT_LINE_MAX))
    many = reported_output({"output": [["stdout", "z"]] * (OUTPUT_LINES_MAX + 5)})
    assert many is not None and len(many) == OUTPUT_LINES_MAX


def test_the_closing_lines_are_added_once_though_the_last_flush_runs_again():
    sent: list[list[str]] = []
    proc = _command("echo 0123456789; echo abcdefghij")
    output = LiveOutput(proc, lambda batch: sent.extend(batch) or True, limit=12)
    while output.open:
        output.read(1.0)
    output.flush(final=True)
    output.flush(final=True)
    output.close()
    proc.wait()
    assert sent == [
        ["stdout", "0123456789"],
        ["stdout", "[stdout truncated: over 12 bytes, the rest dropped]"],
        ["stdout", "[stdout: 22 bytes in all, 12 kept]"],
    ]
