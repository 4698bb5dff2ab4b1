"""What every labcheck test uses: a moto account, labcheck's view of it, and the checks.

The lab builds (`tests/labcheck_builds/<lab>.py`) build each lab in moto (in-process, no
network): correctly -> every objective passes; broken in one way -> exactly that objective
fails (`LabChecks`, which each `test_labcheck_<lab>.py` subclasses).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from course.region import REGION_VARIABLES
from labcheck.aws import Aws, HttpGet
from labcheck.core import Kind, Lab, Objective, Result, Status, run

REGION = "eu-west-1"
JUDGED_OK = (Status.PASS, Status.INFO)


def fake_credentials(monkeypatch: pytest.MonkeyPatch, region: str = REGION) -> None:
    """Dummy credentials and `region` from the environment only: no real profile is read."""
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE", *REGION_VARIABLES):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", region)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@contextmanager
def fake_account(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    """A moto account; the session is the one tests build labs with (not the checker's)."""
    fake_credentials(monkeypatch)
    with mock_aws():
        yield boto3.Session(region_name=REGION)


def checker(get: HttpGet | None = None) -> Aws:
    """What labcheck reads the account with: its own session and clients."""
    return Aws(boto3.Session(region_name=REGION), **({"get": get} if get else {}))


class StubbedCalls:
    """A client whose `operations` answer from botocore's Stubber and every other call from
    moto: for the few calls moto does not implement (each use says which and why)."""

    def __init__(self, aws: Aws, service: str, operations: set[str]) -> None:
        self._moto = aws.client(service)
        self._stubbed = aws.session.client(service)
        self.stubber = Stubber(self._stubbed)
        self.stubber.activate()
        self._operations = operations
        aws.clients[service] = self

    def __getattr__(self, name: str):
        return getattr(self._stubbed if name in self._operations else self._moto, name)


def results(lab: Lab, aws: Aws, names: dict, participant: str | None = None) -> dict:
    """Each objective's result by its description."""
    found = run(lab.objectives, lab.connect(aws, names, participant))
    return {result.description: result for result in found}


def judged(lab: Lab) -> list[Objective]:
    return [objective for objective in lab.objectives if objective.kind is not Kind.INFO]


def assert_all_met(found: dict[str, Result]) -> None:
    unmet = {d: (r.status, r.detail) for d, r in found.items() if r.status not in JUDGED_OK}
    assert not unmet, f"a correct build must meet every objective, not: {unmet}"


def assert_only_fails(lab: Lab, found: dict[str, Result], objective: Objective) -> None:
    """Exactly `objective` is not met (objectives after a failed gate are skipped), and its
    result carries what was found and the objective's hint."""
    expected = {
        objective.description: Status.WARN if objective.kind is Kind.ADVICE else Status.FAIL
    }
    if objective.gate:
        later = lab.objectives[lab.objectives.index(objective) + 1 :]
        expected |= {o.description: Status.SKIP for o in later if o.kind is not Kind.INFO}
    unmet = {d: r.status for d, r in found.items() if r.status not in JUDGED_OK}
    assert unmet == expected, f"breaking {objective.description!r} must fail it alone: {unmet}"
    result = found[objective.description]
    assert result.detail, "a failed objective says what was found"
    assert result.hint == objective.hint != "", "a failed objective carries its hint"


def assert_every_objective_broken(lab: Lab, breaks: dict) -> None:
    assert set(breaks) == {o.description for o in judged(lab)}, (
        "every objective needs a build broken in just that way"
    )


class LabChecks:
    """What every lab's checks promise. Each `test_labcheck_<lab>.py` subclasses it as
    `TestObjectives`, with `LAB`, `BREAKS` (objective -> how to break the build in just that
    way) and `build` (builds the lab in moto, broken as asked, and checks it)."""

    LAB: ClassVar[Lab]
    BREAKS: ClassVar[dict[str, dict[str, Any]]]
    build: ClassVar[Callable[..., dict[str, Result]]]

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "objective" in metafunc.fixturenames:
            metafunc.parametrize("objective", judged(self.LAB), ids=lambda o: o.description[:40])

    def test_correct_build_meets_every_objective(self, account):
        assert_all_met(self.build(account))

    def test_every_objective_has_a_broken_build(self):
        assert_every_objective_broken(self.LAB, self.BREAKS)

    def test_a_build_broken_in_one_way_fails_exactly_that_objective(self, account, objective):
        found = self.build(account, **self.BREAKS[objective.description])
        assert_only_fails(self.LAB, found, objective)


def create_stack(session, name: str, outputs: dict[str, str]) -> None:
    """A stack with the lab's outputs (its resources are built by the test itself)."""
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    session.client("cloudformation").create_stack(StackName=name, TemplateBody=json.dumps(template))
