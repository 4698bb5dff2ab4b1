"""Auto-expiry (`-c expires_in_hours=N`, issues #9 and #20): each requirement, one test each.

The time is computed at deploy (the clock's handler: test_deploy_time_handlers.py). StackExpiry's
own promises (UTC, no flexible window, DeleteStack on this stack only, the roles, teardown) are
tested once, on the construct: tests/lab_constructs/test_expiry.py. Here, how every lab uses it:
the option's hours, the clock after every resource of the real lab, the output, nothing without.
"""

import pytest

from stacks import LABS

LAB_IDS = [lab.lab_id for lab in LABS]
SCHEDULE = "AWS::Scheduler::Schedule"
CLOCK = "Custom::ExpiryTime"


@pytest.fixture(scope="module")
def expiring(every_option_synth):
    """Every lab synthesized with `-c expires_in_hours=6` (and the other options)."""
    return every_option_synth


def _resources(synth, lab_id, resource_type):
    return {
        logical_id: resource
        for logical_id, resource in synth.template(lab_id)["Resources"].items()
        if resource["Type"] == resource_type
    }


def _schedule(synth, lab_id):
    schedules = _resources(synth, lab_id, SCHEDULE)
    assert len(schedules) == 1, f"{lab_id}: expected one expiry schedule, got {list(schedules)}"
    return schedules.popitem()[1]["Properties"]


def _clock(synth, lab_id):
    clocks = _resources(synth, lab_id, CLOCK)
    assert len(clocks) == 1, f"{lab_id}: expected one expiry clock, got {list(clocks)}"
    return clocks.popitem()


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_schedule_fires_once_at_the_time_computed_during_the_deploy(expiring, lab_id):
    schedule = _schedule(expiring, lab_id)
    clock_id, clock = _clock(expiring, lab_id)
    assert schedule["ScheduleExpression"] == {"Fn::GetAtt": [clock_id, "At"]}, (
        "a one-time `at` schedule whose time comes from the deploy, not the synth (issue #20)"
    )
    assert clock["Properties"]["Hours"] == "6", "-c expires_in_hours=6"


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_the_clock_runs_after_every_other_resource_of_the_stack(expiring, lab_id):
    resources = expiring.template(lab_id)["Resources"]
    _, clock = _clock(expiring, lab_id)
    expiry_parts = {k for k in resources if k.startswith("Expiry")}
    lab_resources = {
        k for k, r in resources.items() if k not in expiry_parts and "Condition" not in r
    }
    assert lab_resources, "the lab has resources"
    assert lab_resources <= set(clock["DependsOn"]), (
        "the expiry counts from the end of the deploy: the clock waits for everything else"
    )


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_outputs_say_when_the_lab_expires(expiring, lab_id):
    clock_id = _clock(expiring, lab_id)[0]
    assert expiring.template(lab_id)["Outputs"]["ExpiresAt"]["Value"] == {
        "Fn::GetAtt": [clock_id, "ExpiresAt"]
    }, "the time the clock computed (class-status reads it)"


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_without_the_option_nothing_is_added(synth, lab_id):
    template = synth.template(lab_id)
    assert "ExpiresAt" not in template.get("Outputs", {})
    assert _resources(synth, lab_id, SCHEDULE) == {}, "no schedule without expires_in_hours"
    assert not any("Expiry" in logical_id for logical_id in template["Resources"])
