"""Ctrl-C, SIGTERM and SIGHUP during a class run (issue #27), with real signals and processes.

The engine runs in this process, as `make class-up` runs it; a thread sends this process the
signal once a stack is submitted (the fake CLI has written it to the timeline) or a CLI has
started, as the terminal, `timeout`/`kill` or a closed terminal would. The fake CLI
(tests/classroom/fake_cdk.py) runs in its own session and starts a child of its own;
CloudFormation's time comes from the timeline (tests/classroom/fake_cloud.py), which goes on
when the CLI is stopped.
"""

from __future__ import annotations

import signal
import time

import pytest

from tests.classroom.engine_fixtures import LAB, SIGNALS, outcome_lines, signal_when


@pytest.mark.parametrize("name", SIGNALS)
def test_the_first_signal_starts_nothing_new_and_watches_the_submitted_stacks_to_their_end(
    cloud, name
):
    cloud.plan(busy=1.0)
    signal_when((cloud.submitted(f"ana-{LAB}"), SIGNALS[name]))
    run, out, err = cloud.run("up", ["ana", "ben", "cem"], concurrency=1)
    lines = outcome_lines(out)
    assert run.interrupted
    assert [r.outcome for r in run.results] == ["done", "never started", "never started"]
    assert lines["ana"].endswith("(CREATE_COMPLETE)"), "CloudFormation finished ana's stack"
    assert lines["ben"].endswith("never started")
    assert cloud.status(f"ben-{LAB}") is None
    (deploy,) = [r for r in cloud.records("start") if r["argv"][0] == "deploy"]
    ends = [r for r in cloud.records("end") if r["pid"] == deploy["pid"]]
    assert ends == [{"event": "end", "pid": deploy["pid"], "signal": signal.SIGTERM}], (
        "the CLI was stopped at once, not left waiting for ana's stack"
    )
    assert f"{name}: starting nothing new." in err


def test_the_second_signal_stops_watching_and_names_the_stacks_left_in_progress(cloud):
    cloud.plan(stacks={"ana": "slow", "ben": "slow"}, slow=60)
    signal_when(
        (cloud.submitted(f"ana-{LAB}", f"ben-{LAB}"), signal.SIGINT),
        (lambda: True, signal.SIGINT),
    )
    started = time.monotonic()
    run, out, err = cloud.run("up", ["ana", "ben", "cem"], concurrency=2)
    lines = outcome_lines(out)
    assert time.monotonic() - started < 30, "it did not wait for the stacks"
    assert run.interrupted
    assert [r.outcome for r in run.results] == [
        "left in progress",
        "left in progress",
        "never started",
    ]
    assert "STOPPED" in lines["ana"]
    assert "left CREATE_IN_PROGRESS" in lines["ana"]
    assert "Ctrl-C again: stopping the watch now" in err


def test_after_the_second_signal_the_states_are_read_back_before_the_summary(cloud):
    # The watch looks only every minute here: what the summary says comes from the one read
    # after the second signal, not from what was seen last (CREATE_IN_PROGRESS).
    cloud.plan(busy=0.5)
    submitted = cloud.submitted(f"ana-{LAB}")
    at: list[float] = []

    def later() -> bool:
        if not at:
            at.append(time.monotonic())
        return time.monotonic() - at[0] > 2

    signal_when((submitted, signal.SIGINT), (later, signal.SIGINT))
    run, out, _ = cloud.run("up", ["ana"], poll_seconds=60)
    assert run.interrupted
    assert run.results[0].outcome == "done"
    assert outcome_lines(out)["ana"].endswith("(CREATE_COMPLETE)")


def test_a_signal_during_the_synth_stops_it_and_deploys_nothing(cloud):
    cloud.plan(synth_seconds=60)
    signal_when((lambda: cloud.commands("synth") != [], signal.SIGTERM))
    started = time.monotonic()
    run, _, err = cloud.run("up", ["ana", "ben"])
    assert time.monotonic() - started < 30
    assert run.interrupted
    assert [r.outcome for r in run.results] == ["never started"] * 2
    assert cloud.commands("deploy") == []
    assert "SIGTERM: stopping the synth; nothing is deployed." in err


def test_a_signal_while_destroying_lets_cloudformation_finish_the_deletes_it_was_given(cloud):
    cloud.run("up", ["ana", "ben"])
    cloud.plan(busy=1.0)
    signal_when((cloud.submitted(f"ana-{LAB}", busy="DELETE_IN_PROGRESS"), signal.SIGHUP))
    run, _, _ = cloud.run("down", ["ana", "ben"], concurrency=1)
    assert [r.outcome for r in run.results] == ["done", "never started"]
    assert cloud.status(f"ana-{LAB}") is None
    assert cloud.status(f"ben-{LAB}") == "CREATE_COMPLETE"
