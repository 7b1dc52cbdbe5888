"""Tables, key/value lists and log lines as the client prints them."""

from __future__ import annotations

import io

from webapi.client.output import LogPrinter, details, job_table, node_state, table

JOB = {
    "id": 7,
    "name": "a" * 50,
    "type": "processing",
    "status": "running",
    "node": "pi1",
    "attempts": 1,
    "created_at": "2026-11-29T21:39:02.123Z",
}


def test_columns_are_as_wide_as_their_widest_cell():
    assert table(["A", "LONG"], [["wide cell", "x"], ["b", "y"]]).splitlines() == [
        "A          LONG",
        "wide cell  x",
        "b          y",
    ]


def test_the_job_table_shortens_names_and_shows_labels_only_when_there_are_some():
    header, row = job_table([JOB]).splitlines()
    assert header.split() == ["ID", "STATUS", "TYPE", "NODE", "TRIES", "CREATED", "(UTC)", "NAME"]
    assert row.split() == ["7", "running", "processing", "pi1", "1", "2026-11-29", "21:39:02", "a" * 39 + "…"]
    labelled = job_table([{**JOB, "labels": {"team": "ci", "arch": "arm64"}}, {**JOB, "labels": {}}])
    lines = labelled.splitlines()
    assert "LABELS" in lines[0]
    assert "team=ci,arch=arm64" in lines[1] and " - " in lines[2]


def test_details_put_known_keys_first_then_any_other():
    text = details({"zeta": [1], "status": "failed", "id": 3, "error": "line one\nline two"})
    assert text.splitlines() == [
        "id:     3",
        "status: failed",
        "error:  line one",
        "        line two",
        "zeta:   [1]",
    ]


def test_log_lines_go_to_the_stream_they_came_from():
    out, err = io.StringIO(), io.StringIO()
    LogPrinter(out, err).write(
        [
            {"id": 1, "stream": "stdout", "text": "result"},
            {"id": 2, "stream": "stderr", "text": "warning"},
            {"id": 3, "stream": "service", "text": "failed: exit 1; retrying"},
        ]
    )
    assert out.getvalue() == "result\n"
    assert err.getvalue() == "warning\n[service] failed: exit 1; retrying\n"


def test_node_state_says_why_a_node_takes_no_job():
    assert node_state({"name": "pi1", "schedulable": True, "status": "online"}) == (
        "node pi1: schedulable (status online)"
    )
    assert node_state({"name": "pi1", "schedulable": False, "unschedulable_reason": "drained: fan"}) == (
        "node pi1: not schedulable: drained: fan"
    )
