from __future__ import annotations

import itertools

import pytest

from webapi.jobs.states import TERMINAL, InvalidTransitionError, JobStatus, check_transition


def test_the_main_line_is_allowed():
    line = [JobStatus.QUEUED, JobStatus.DISPATCHED, JobStatus.RUNNING, JobStatus.SUCCEEDED]
    for current, target in itertools.pairwise(line):
        check_transition(current, target)


@pytest.mark.parametrize("ending", sorted(TERMINAL - {JobStatus.SUCCEEDED}))
def test_every_unsuccessful_end_can_be_retried(ending):
    check_transition(JobStatus.RUNNING, ending)
    check_transition(ending, JobStatus.QUEUED)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (JobStatus.SUCCEEDED, JobStatus.QUEUED),
        (JobStatus.QUEUED, JobStatus.RUNNING),
        (JobStatus.QUEUED, JobStatus.LOST),
        (JobStatus.RUNNING, JobStatus.QUEUED),
        (JobStatus.CANCELLED, JobStatus.RUNNING),
    ],
)
def test_other_moves_are_refused(current, target):
    with pytest.raises(InvalidTransitionError, match=f"a {current.value} job cannot become {target.value}"):
        check_transition(current, target)


def test_a_dispatched_job_its_node_never_started_can_go_back_to_the_queue():
    check_transition(JobStatus.DISPATCHED, JobStatus.QUEUED)
