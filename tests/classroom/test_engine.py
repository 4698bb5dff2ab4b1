"""The class engine (issue #27): a whole class at once, one CDK CLI process per account.

The engine runs in this process; its `cdk` is tests/classroom/fake_cdk.py, a real process
(its own session, signals, children) that creates and deletes stacks in a moto server and
prints the pinned CLI's lines; CloudFormation's time (in progress for a while, rolled back)
comes from the timeline (tests/classroom/fake_cloud.py says what judges what). A run of the
pinned CLI itself against moto is in tests/classroom/test_engine_rehearsal.py.
"""

from __future__ import annotations

import signal
import time

import pytest

from tests.classroom.engine_fixtures import (
    LAB,
    PROFILE_REGIONS,
    outcome_lines,
    signal_when,
)


def test_one_cli_process_deploys_the_whole_class_at_once_from_one_synth(cloud, tmp_path):
    run, out, _ = cloud.run("up", ["ana", "ben", "cem"])
    assembly = str(tmp_path / f"cdk.out.class-{LAB}")
    assert cloud.commands("synth") == [
        ["synth", "--quiet", "-c", f"lab={LAB}", "-c", "participants=ana,ben,cem",
         "--output", assembly],
    ]  # fmt: skip
    assert cloud.commands("deploy") == [
        ["deploy", "--app", assembly, "--concurrency", "3", "--method=direct",
         "--require-approval", "never", "--progress", "events",
         f"ana/{LAB}", f"ben/{LAB}", f"cem/{LAB}"],
    ]  # fmt: skip
    assert [r.outcome for r in run.results] == ["done"] * 3
    assert not run.interrupted
    lines = outcome_lines(out)
    assert lines["ana"].startswith("ok ")
    assert lines["ana"].endswith("(CREATE_COMPLETE)")
    assert f"ana-{LAB}" in lines["ana"]
    for name in ("ana", "ben", "cem"):
        assert cloud.status(f"{name}-{LAB}") == "CREATE_COMPLETE"


def test_down_destroys_the_whole_class_at_once(cloud, tmp_path):
    cloud.run("up", ["ana", "ben"])
    run, out, _ = cloud.run("down", ["ana", "ben"])
    assembly = str(tmp_path / f"cdk.out.class-{LAB}")
    assert cloud.commands("destroy") == [
        ["destroy", "--app", assembly, "--concurrency", "2", "--force", f"ana/{LAB}",
         f"ben/{LAB}"],
    ]  # fmt: skip
    assert [r.outcome for r in run.results] == ["done", "done"]
    assert outcome_lines(out)["ben"].endswith("(gone)")
    assert cloud.status(f"ana-{LAB}") is None


def test_the_concurrency_bounds_the_stacks_the_cli_deploys_at_once(cloud):
    cloud.run("up", ["ana", "ben", "cem"], concurrency=2)
    (deploy,) = cloud.commands("deploy")
    assert deploy[deploy.index("--concurrency") + 1] == "2"


def test_each_participant_gets_a_line_as_their_stack_ends_and_results_keep_the_class_order(
    cloud,
):
    cloud.plan(stacks={"ana": "slow"}, slow=1.5)
    run, out, _ = cloud.run("up", ["ana", "ben", "cem"])
    order = [line.split()[1] for line in out.splitlines() if line.startswith("ok ")]
    assert order[-1] == "ana", "ana's stack ends last, so its line comes last"
    assert [r.participant for r in run.results] == ["ana", "ben", "cem"]


def test_a_stack_ends_when_the_cli_says_so_not_at_the_next_look(cloud):
    # The watch looks only every hour here; the CLI's verdict wakes it. (If it did not, the
    # safety net would stop the run after two minutes and the test would fail.)
    started = time.monotonic()
    later = lambda: time.monotonic() - started > 120  # noqa: E731
    safety_net = signal_when((later, signal.SIGINT), (later, signal.SIGINT))
    run, _, _ = cloud.run("up", ["ana", "ben"], poll_seconds=3600)
    safety_net.set()
    assert not run.interrupted
    assert [r.outcome for r in run.results] == ["done", "done"]


def test_logs_one_per_participant_lab_and_command_and_the_whole_cli_output(cloud, tmp_path):
    cloud.run("up", ["ana", "ben"])
    cloud.run("down", ["ana", "ben"])
    up = (tmp_path / f"cdk.out.ana.{LAB}.up.log").read_text()
    down = (tmp_path / f"cdk.out.ana.{LAB}.down.log").read_text()
    assert f"ana/{LAB} (ana-{LAB}): deploying..." in up
    assert f"ben-{LAB}" not in up, "a participant's log holds the lines naming their stack"
    assert "--- the stack's events (CloudFormation, oldest first) ---" in up
    assert "CREATE_COMPLETE  AWS::CloudFormation::Stack" in up
    assert f"✅  ana/{LAB} (ana-{LAB}): destroyed" in down, "down does not overwrite up's log"
    whole = (tmp_path / f"cdk.out.class-{LAB}.up.log").read_text()
    assert f"ana-{LAB}: creating stack..." in whole
    assert f"ben-{LAB}: creating stack..." in whole


# --- failures -------------------------------------------------------------------------------------


def test_a_failure_does_not_stop_the_others_and_says_why(cloud, tmp_path):
    cloud.plan(stacks={"ben": "rollback", "cem": "error"})
    run, out, _ = cloud.run("up", ["ana", "ben", "cem"])
    lines = outcome_lines(out)
    assert [r.outcome for r in run.results] == ["done", "failed", "failed"]
    assert lines["ana"].startswith("ok ")
    # Its state, and why from its latest failed event (no status reason).
    assert "stack ROLLBACK_COMPLETE: Bucket83908E77: Resource limit exceeded" in lines["ben"]
    # Never reached CloudFormation: what the CLI said about it.
    assert (
        f"stack does not exist: {LAB.join(['cem-', ''])} failed: ValidationError: Template "
        "format error: bad value"
    ) in lines["cem"]
    assert f"see cdk.out.ben.{LAB}.up.log" in lines["ben"]


@pytest.mark.parametrize(
    ("kind", "status", "deployed"),
    [
        ("update", "UPDATE_COMPLETE", True),
        # An update that failed and was rolled back: the stack runs the old template.
        ("update-rollback", "UPDATE_ROLLBACK_COMPLETE", False),
    ],
)
def test_deployed_means_created_or_updated_as_asked(cloud, kind, status, deployed):
    cloud.run("up", ["ana"])
    cloud.plan(stacks={"ana": kind}, claims_success=True)  # the stack's state decides
    run, out, _ = cloud.run("up", ["ana"])
    line = outcome_lines(out)["ana"]
    assert run.results[0].ok is deployed
    assert line.startswith("ok " if deployed else "FAILED ")
    assert status in line


def test_an_unchanged_stack_is_deployed_without_submitting_anything(cloud):
    cloud.run("up", ["ana"])
    run, out, _ = cloud.run("up", ["ana"])
    assert run.results[0].ok
    assert outcome_lines(out)["ana"].endswith("(CREATE_COMPLETE)")


def test_destroyed_means_gone(cloud):
    cloud.run("up", ["ana", "ben"])
    cloud.plan(stacks={"ben": "delete-failed"})
    run, out, _ = cloud.run("down", ["ana", "ben"])
    assert [r.outcome for r in run.results] == ["done", "failed"]
    assert (
        "stack DELETE_FAILED: The following resource(s) failed to delete: [Bucket83908E77]."
        in outcome_lines(out)["ben"]
    )


def test_an_unbootstrapped_region_puts_the_cause_in_every_line(cloud):
    run, out, _ = cloud.run("up", ["ana", "ben"], profiles={"ana": "sandbox-ana"})
    lines = outcome_lines(out)
    assert [r.outcome for r in run.results] == ["failed", "done"], "ben's account is bootstrapped"
    assert "stack does not exist:" in lines["ana"]
    assert "Has the environment been bootstrapped?" in lines["ana"]


def test_stacks_the_cli_skipped_after_a_failure_get_another_run(cloud, tmp_path):
    cloud.plan(stacks={"ana": "error"})
    run, _, _ = cloud.run("up", ["ana", "ben", "cem"], concurrency=1)
    assert [r.outcome for r in run.results] == ["failed", "done", "done"]
    deploys = cloud.commands("deploy")
    assert deploys[0][-3:] == [f"ana/{LAB}", f"ben/{LAB}", f"cem/{LAB}"]
    assert deploys[1][-2:] == [f"ben/{LAB}", f"cem/{LAB}"], "the rest, without ana"
    assert len(deploys) == 2


def test_a_failed_synth_deploys_nothing(cloud):
    cloud.plan(synth_exit=1)
    run, out, _ = cloud.run("up", ["ana", "ben"])
    assert cloud.commands("deploy") == []
    assert [r.outcome for r in run.results] == ["never started"] * 2
    assert f"FAILED  synth exit 1, see cdk.out.class-{LAB}.log: error: unknown lab" in out


def test_a_cli_that_cannot_start_fails_the_class_with_the_reason(cloud, tmp_path):
    run, out, _ = cloud.run("up", ["ana"], cdk=[str(tmp_path / "no-such-cdk")])
    assert run.results[0].outcome == "never started"
    assert "FAILED  synth: could not run the CDK CLI" in out


# --- time limits ----------------------------------------------------------------------------------


def test_a_stack_past_the_labs_time_limit_is_reported_and_the_run_goes_on(cloud):
    cloud.plan(stacks={"ben": "stuck"})
    run, out, _ = cloud.run("up", ["ana", "ben", "cem"], limit_minutes=0.05)
    lines = outcome_lines(out)
    assert [r.outcome for r in run.results] == ["done", "timed out", "done"]
    assert "still REVIEW_IN_PROGRESS after 0m0" in lines["ben"]
    assert "over the lab's limit of 0.05 min" in lines["ben"]
    # The fixture checks that the CLI, still waiting for ben's stack, was stopped.


# --- throttling -----------------------------------------------------------------------------------


def test_throttling_is_retried_with_backoff_shown_and_never_a_failure(cloud):
    run, out, _ = cloud.run("up", ["ana", "ben"], throttle=3)
    assert [r.outcome for r in run.results] == ["done", "done"]
    throttled = [line for line in out.splitlines() if line.startswith("throttled:")]
    assert throttled == [
        "throttled: CloudFormation DescribeStacks in default credentials (Throttling): next try"
        f" in {seconds} s"
        for seconds in ("0.01", "0.02", "0.04")
    ]


# --- rosters: one engine run per account ----------------------------------------------------------


def test_each_account_gets_one_cli_run_in_its_own_region_and_profile(cloud):
    for region in PROFILE_REGIONS.values():
        cloud.bootstrap(region)
    profiles = {"ana": "sandbox-ana", "ben": "sandbox-ben", "dia": "sandbox-ana"}
    run, _, _ = cloud.run("up", ["ana", "ben", "cem", "dia"], profiles=profiles)
    assert [r.outcome for r in run.results] == ["done"] * 4
    deploys = {tuple(r["argv"][-2:]): r for r in cloud.records("start") if "deploy" in r["argv"]}
    assert deploys[("--profile", "sandbox-ana")]["region"] == "eu-west-1"
    assert deploys[("--profile", "sandbox-ana")]["argv"][-4:-2] == [f"ana/{LAB}", f"dia/{LAB}"]
    assert deploys[("--profile", "sandbox-ben")]["region"] == "us-east-2"
    assert len(cloud.records("start")) == 1 + 3, "one synth, one deploy per account"
    assert cloud.status(f"ana-{LAB}", "eu-west-1") == "CREATE_COMPLETE"
    assert cloud.status(f"ben-{LAB}", "us-east-2") == "CREATE_COMPLETE"
    assert cloud.status(f"cem-{LAB}") == "CREATE_COMPLETE"


def test_cli_processes_are_bounded_and_hand_over_once_their_stacks_are_submitted(cloud):
    for region in PROFILE_REGIONS.values():
        cloud.bootstrap(region)
    cloud.plan(busy=1.5)
    profiles = {"ana": "sandbox-ana", "ben": "sandbox-ben"}
    run, out, _ = cloud.run("up", ["ana", "ben", "cem"], profiles=profiles, max_cli_processes=1)
    assert [r.outcome for r in run.results] == ["done"] * 3
    running, most = 0, 0
    for record in cloud.records():
        if record["event"] == "start" and record["argv"][0] == "deploy":
            running += 1
        elif record["event"] == "end" and any(
            r["pid"] == record["pid"] and r["argv"][0] == "deploy" for r in cloud.records("start")
        ):
            running -= 1
        most = max(most, running)
    assert most == 1, "one CLI process at a time"
    # The first account's stacks are submitted while two accounts wait: its CLI stops (at
    # once, its stack still in progress) and the stack is watched to its end all the same.
    handed_over = out.count("every stack submitted; its CDK CLI stops")
    assert 1 <= handed_over <= 2, "the last account has nobody to hand over to"
    stopped = [r for r in cloud.records("end") if r.get("signal") == 15]
    assert len(stopped) == handed_over


def test_bootstrap_runs_once_per_account_first_and_says_what_it_bootstrapped(cloud):
    for region in PROFILE_REGIONS.values():
        cloud.bootstrap(region)
    profiles = {"ana": "sandbox-ana", "cem": "sandbox-ana"}
    run, out, _ = cloud.run("up", ["ana", "ben", "cem"], profiles=profiles, bootstrap=True)
    assert [r.outcome for r in run.results] == ["done"] * 3
    boots = cloud.commands("bootstrap")
    assert sorted(b[-1] for b in boots) == [f"{cloud.work_dir}/cdk.out.class-{LAB}", "sandbox-ana"]
    assert (
        "bootstrap default credentials: aws://123456789012/us-east-1, CDKToolkit CREATE_COMPLETE"
        " (cdk.out.bootstrap-default.log)"
    ) in out
    assert (
        "bootstrap profile sandbox-ana: aws://123456789012/eu-west-1, CDKToolkit CREATE_COMPLETE"
        " (cdk.out.bootstrap-sandbox-ana.log)"
    ) in out
    starts = [r["argv"][0] for r in cloud.records("start")]
    assert starts.index("bootstrap") < starts.index("deploy")


def test_a_failed_bootstrap_fails_that_accounts_participants_only(cloud):
    cloud.bootstrap(PROFILE_REGIONS["sandbox-ben"])
    cloud.plan(bootstrap_fail=["sandbox-ben"])
    profiles = {"ben": "sandbox-ben"}
    run, out, _ = cloud.run("up", ["ana", "ben"], profiles=profiles, bootstrap=True)
    assert [r.outcome for r in run.results] == ["done", "failed"]
    assert (
        "bootstrap exit 1, see cdk.out.bootstrap-sandbox-ben.log: sandbox-ben: AccessDenied"
        in outcome_lines(out)["ben"]
    )
    assert [d[-1] for d in cloud.commands("deploy")] == [f"ana/{LAB}"]
