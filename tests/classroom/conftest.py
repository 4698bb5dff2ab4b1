"""`klass`: the class the report's tests check (tests/classroom/report_class.py); `cloud`: a
class to run the class engine on (tests/classroom/engine_fixtures.py), with a moto server per
test module; `aws`: sandbox accounts in moto in this process (tests/classroom/sandboxes.py),
with an in-process moto server per test module."""

import signal

import pytest

from tests.classroom.engine_fixtures import SIGNALS, FakeClass
from tests.classroom.report_class import fake_class
from tests.classroom.sandboxes import in_process_server, sandbox_accounts
from tests.moto_server import moto_server


@pytest.fixture
def klass(monkeypatch):
    """The class in one account; yields the session factory the report checks it with."""
    with fake_class(monkeypatch) as checker:
        yield checker


@pytest.fixture(scope="module")
def moto_endpoint(tmp_path_factory):
    """moto's server, for one test module."""
    with moto_server(tmp_path_factory.mktemp("moto") / "server.log") as url:
        yield url


@pytest.fixture
def cloud(moto_endpoint, tmp_path):
    """A fresh, bootstrapped account in moto's server; the fake CDK CLI's plan and record.
    Afterwards: no CDK process (nor anything it started) is left, the signal handlers are the
    ones from before."""
    fake = FakeClass(moto_endpoint, tmp_path)
    fake.bootstrap()
    handlers = {signum: signal.getsignal(signum) for signum in SIGNALS.values()}
    yield fake
    assert fake.left_behind() == [], "no CDK process (nor what it started) outlives the run"
    assert {signum: signal.getsignal(signum) for signum in SIGNALS.values()} == handlers, (
        "the previous signal handlers come back after the run"
    )


@pytest.fixture(scope="module")
def in_process_endpoint():
    """moto's server in this process, for one test module (reset for each test by `aws`)."""
    with in_process_server() as url:
        yield url


@pytest.fixture
def aws(tmp_path, monkeypatch, in_process_endpoint):
    """moto, and AWS files with two sandbox profiles, each in a region of its own."""
    with sandbox_accounts(tmp_path, monkeypatch, in_process_endpoint) as cloud:
        yield cloud
