"""`dispycluster job …` as a subprocess against the real service and a real dispynode: exit statuses,
output, tokens and errors."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest

from tests.support.jobs import SECRET
from tests.support.processes import free_port
from tests.support.webservice import run_service
from tests.webapi.client.conftest import Cluster, dispynode, ended

pytestmark = pytest.mark.slow


def _submit(cluster: Cluster, *args: str) -> int:
    """A job submitted through the CLI (`--json`); its id."""
    result = cluster.cli("job", "submit", "--json", *args)
    assert result.returncode == 0, result.stderr
    return int(json.loads(result.stdout)["id"])


def _one_line_error(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def test_submit_follow_prints_the_output_and_exits_0_when_the_job_succeeds(cluster: Cluster):
    code = "import sys; print('hello'); print('world'); print('to stderr', file=sys.stderr)"
    result = cluster.cli("job", "submit", "processing", "--follow", "--", "python3", "-c", code)
    assert result.returncode == 0, result.stderr
    # The program's stdout alone on stdout, each line once; its stderr and the CLI's words on stderr.
    assert result.stdout == "hello\nworld\n"
    assert "to stderr" in result.stderr
    assert "submitted" in result.stderr and f"succeeded on {cluster.node}" in result.stderr


def test_submit_follow_exits_1_when_the_job_fails(cluster: Cluster):
    code = "import sys; print('doomed'); sys.exit(3)"
    result = cluster.cli(
        "job", "submit", "processing", "--max-retries", "0", "--follow", "--", "python3", "-c", code
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout == "doomed\n"
    assert "failed" in result.stderr.strip().splitlines()[-1]


def test_follow_goes_on_across_an_automatic_retry_without_printing_a_line_twice(cluster: Cluster):
    code = "import sys; print('attempt'); sys.exit(1)"
    result = cluster.cli(
        "job", "submit", "processing", "--max-retries", "1", "--follow", "--", "python3", "-c", code
    )
    assert result.returncode == 1, result.stderr
    # One line per attempt, and the service's line about the retry between them.
    assert result.stdout == "attempt\nattempt\n"
    assert "[service] failed:" in result.stderr and "retrying at" in result.stderr


def test_wait_exits_4_when_the_job_times_out(cluster: Cluster):
    result = cluster.cli(
        "job", "submit", "processing", "--timeout", "1", "--max-retries", "0", "--wait", "--", "sleep", "60"
    )
    assert result.returncode == 4, result.stderr
    assert "timed_out" in result.stderr
    assert result.stdout == ""


def test_everything_after_the_double_dash_reaches_the_program_verbatim(cluster: Cluster):
    code = "import sys; print(sys.argv[1:])"
    result = cluster.cli(
        "job", "submit", "processing", "--follow", "--name", "argv", "--", "python3", "-c", code, "--", "-x"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "['--', '-x']\n"


def test_follow_prints_lines_while_the_job_runs_and_exits_3_when_it_is_cancelled(cluster: Cluster):
    job_id = _submit(cluster, "processing", "--", "sleep", "60")
    with cluster.cli_running("job", "logs", str(job_id), "--follow") as follower:
        assert follower.stderr is not None
        # A command still running after half a second reports its pid: a line logged during the run.
        first = follower.stderr.readline()
        assert first.startswith("[progress] running as pid "), first
        assert cluster.wait_job(job_id, {"running"}, timeout=1)["status"] == "running"
        cancel = cluster.cli("job", "cancel", str(job_id))
        assert cancel.returncode == 0, cancel.stderr
        assert cancel.stdout.startswith(f"job {job_id}")
        _out, rest = follower.communicate(timeout=60)
    assert follower.returncode == 3, rest
    assert rest.strip().splitlines()[-1].startswith(f"job {job_id} cancelled")
    assert "running as pid" not in rest  # printed once


def test_retry_follow_prints_only_the_new_attempt(cluster: Cluster):
    code = "import sys; print('once more'); sys.exit(2)"
    job_id = _submit(cluster, "processing", "--max-retries", "0", "--", "python3", "-c", code)
    assert ended(cluster, job_id)["status"] == "failed"
    result = cluster.cli("job", "retry", str(job_id), "--follow")
    assert result.returncode == 1, result.stderr
    assert result.stdout == "once more\n"
    assert "queued again (attempt 2)" in result.stderr
    with cluster.api() as api:
        assert api.get(f"/api/jobs/{job_id}").json()["attempts"] == 2
    # `logs` without --follow prints the lines of both attempts, and exits 0 whatever the job's end.
    logs = cluster.cli("job", "logs", str(job_id))
    assert logs.returncode == 0 and logs.stdout == "once more\nonce more\n"


def test_retrying_a_job_that_succeeded_is_refused_in_words(cluster: Cluster):
    job_id = _submit(cluster, "processing", "--", "true")
    assert ended(cluster, job_id)["status"] == "succeeded"
    result = cluster.cli("job", "retry", str(job_id))
    assert result.returncode == 6
    line = _one_line_error(result.stderr)
    assert line.startswith("dispycluster job retry: ") and "can be retried (HTTP 409)" in line


def test_list_json_and_table(cluster: Cluster):
    job_id = _submit(cluster, "processing", "--name", "listed-job", "--", "true")
    ended(cluster, job_id)
    result = cluster.cli("job", "list", "--json", "--status", "succeeded", "--type", "processing")
    assert result.returncode == 0, result.stderr
    page = json.loads(result.stdout)
    assert job_id in [item["id"] for item in page["items"]]
    assert {item["status"] for item in page["items"]} == {"succeeded"}
    assert page["total"] >= 1

    table = cluster.cli("job", "list", "--name", "listed-job")
    assert table.returncode == 0, table.stderr
    header, row = table.stdout.splitlines()
    assert header.split() == ["ID", "STATUS", "TYPE", "NODE", "TRIES", "CREATED", "(UTC)", "NAME"]
    assert row.split()[:5] == [str(job_id), "succeeded", "processing", cluster.node, "1"]
    assert row.endswith("listed-job")

    limited = cluster.cli("job", "list", "--limit", "1")
    assert len(limited.stdout.splitlines()) == 2
    assert "--limit and --offset show others" in limited.stderr


def test_show_as_text_and_as_json(cluster: Cluster):
    job_id = _submit(cluster, "processing", "--name", "shown", "--", "python3", "-c", "print(42)")
    ended(cluster, job_id)
    text = cluster.cli("job", "show", str(job_id))
    assert text.returncode == 0, text.stderr
    fields = dict(line.split(":", 1) for line in text.stdout.splitlines() if not line.startswith(" "))
    assert fields["id"].strip() == str(job_id)
    assert fields["status"].strip() == "succeeded"
    assert fields["name"].strip() == "shown"
    as_json = cluster.cli("job", "show", str(job_id), "--json")
    with cluster.api() as api:
        assert json.loads(as_json.stdout) == api.get(f"/api/jobs/{job_id}").json()


def test_params_are_typed_by_the_job_types_schema(cluster: Cluster):
    """`--param` values are JSON unless the type's schema says string: `stdin=42` stays the text 42."""
    result = cluster.cli(
        "job", "submit", "processing", "--param", "stdin=42", "--param", "timeout_s=30", "--wait", "--json",
        "--", "cat",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    job = json.loads(result.stdout)
    assert job["parameters"]["stdin"] == "42" and job["parameters"]["timeout_s"] == 30
    logs = cluster.cli("job", "logs", str(job["id"]))
    assert logs.stdout == "42\n"


def test_the_token_comes_from_the_environment_a_flag_or_the_local_data_dir(cluster: Cluster):
    url = {"DISPYCLUSTER_URL": cluster.url}
    token_file = cluster.tmp / "token"
    token_file.write_text(cluster.token + "\n")
    ways = {
        "environment": cluster.cli("job", "list", "--json"),
        "--token": cluster.cli("job", "list", "--json", "--token", cluster.token, env=url),
        "--token-file": cluster.cli("job", "list", "--json", "--token-file", str(token_file), env=url),
        # The file the service wrote into its data dir, found as the service finds it.
        "data dir": cluster.cli(
            "job", "list", "--json", env={**url, "DISPYCLUSTER_DATA_DIR": str(cluster.data_dir)}
        ),
        # `localhost` is this machine too.
        "data dir, localhost": cluster.cli(
            "job",
            "list",
            "--json",
            "--url",
            cluster.url.replace("127.0.0.1", "localhost"),
            env={"DISPYCLUSTER_DATA_DIR": str(cluster.data_dir)},
        ),
    }
    for way, result in ways.items():
        assert result.returncode == 0, (way, result.stderr)
        assert "items" in json.loads(result.stdout)


def test_without_a_token_the_401_says_what_to_do(cluster: Cluster):
    result = cluster.cli("job", "list", "--url", cluster.url, env={})
    assert result.returncode == 6
    line = _one_line_error(result.stderr)
    assert "HTTP 401" in line and "no token was sent" in line and "DISPYCLUSTER_API_TOKEN" in line


def test_a_wrong_token_is_a_clear_401(cluster: Cluster):
    result = cluster.cli("job", "list", "--token", "not-the-token-0123456789")
    assert result.returncode == 6
    line = _one_line_error(result.stderr)
    assert "HTTP 401" in line and "the token from --token is not this service's" in line
    assert result.stdout == ""


def test_a_service_that_is_not_there_is_a_clear_message_and_exit_7(cluster: Cluster):
    url = f"http://127.0.0.1:{free_port()}"
    result = cluster.cli("job", "list", "--url", url)
    assert result.returncode == 7
    line = _one_line_error(result.stderr)
    assert f"the service at {url} is unreachable" in line and "Connection refused" in line


def test_an_unknown_job_is_a_404_in_words(cluster: Cluster):
    result = cluster.cli("job", "show", "2000000000")
    assert result.returncode == 6
    assert "Unknown job 2000000000 (HTTP 404)" in _one_line_error(result.stderr)


def test_an_invalid_request_shows_the_services_words(cluster: Cluster):
    result = cluster.cli("job", "submit", "processing", "--priority", "11", "--", "true")
    assert result.returncode == 6
    line = _one_line_error(result.stderr)
    assert "body.priority" in line and "HTTP 422" in line


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["job", "submit", "analysis", "--", "ls"], "takes no command line after `--`"),
        (["job", "submit", "processing", "--param", "novalue", "--", "ls"], "--param takes KEY=VALUE"),
        (["job", "submit", "nosuchtype", "--param", "a=1"], "has no job type 'nosuchtype'"),
        (["job", "submit", "processing", "--params-json", "[1]"], "--params-json must be a JSON object"),
        (["job", "list", "--url", "ftp://example"], "--url must be an http:// or https:// URL"),
        (["job", "logs", "1", "--follow", "--json"], "--json does not go with --follow"),
        (["job", "list", "--label", "nokey"], "--label takes KEY=VALUE"),
    ],
)
def test_usage_errors_exit_2_in_words(cluster: Cluster, args: list[str], words: str):
    result = cluster.cli(*args)
    assert result.returncode == 2
    assert words in _one_line_error(result.stderr)


def test_a_command_line_after_double_dash_belongs_to_submit_only(cluster: Cluster):
    result = cluster.cli("job", "show", "1", "--", "ls")
    assert result.returncode == 2
    assert "takes a command line after --" in result.stderr and "Traceback" not in result.stderr


def test_follow_outlives_a_restart_of_the_service_and_exits_5_for_the_lost_job(tmp_path: Path):
    """The service stops while a job runs: the follower keeps trying, and when the service is back (on
    loopback, no token needed) it reports the job lost by the restart, each line printed once."""
    port = free_port()
    settings = {"dispy_secret": SECRET, "dispy_pulse_interval": "0.5", "job_retry_backoff_s": "0"}
    with dispynode(tmp_path) as node, contextlib.ExitStack() as first_run:
        cluster = Cluster(f"http://127.0.0.1:{port}", tmp_path / "data", "", tmp_path, node)
        first_run.enter_context(
            run_service(tmp_path, port=port, dispy_port=str(free_port()), dispy_nodes=node, **settings)
        )
        job_id = _submit(cluster, "processing", "--max-retries", "0", "--", "sleep", "60")
        with cluster.cli_running("job", "logs", str(job_id), "--follow") as follower:
            assert follower.stderr is not None
            assert follower.stderr.readline().startswith("[progress] running as pid ")
            first_run.close()
            assert "is unreachable" in follower.stderr.readline()
            with run_service(tmp_path, port=port, dispy_port=str(free_port()), dispy_nodes=node, **settings):
                _out, rest = follower.communicate(timeout=60)
    assert follower.returncode == 5, rest
    lines = rest.strip().splitlines()
    assert lines[0] == "the service answers again"
    assert "[service] the service restarted while this job was active" in lines
    assert lines[-1].startswith(f"job {job_id} lost")
    assert "running as pid" not in rest
