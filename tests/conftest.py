"""Shared fixtures: the app is synthesized once per session (see tests/synth.py)."""

import pytest

from tests.synth import EVERY_OPTION, PARTICIPANT, Synth, synthesized


@pytest.fixture(scope="session")
def synth() -> Synth:
    """The app as `make synth` builds it: default context, no participant."""
    return synthesized()


@pytest.fixture(scope="session")
def participant_synth() -> Synth:
    """The app for one participant of a class (`-c participant=ana`)."""
    return synthesized(participant=PARTICIPANT)


@pytest.fixture(scope="session")
def every_option_synth() -> Synth:
    """The app with every non-default option (`EVERY_OPTION`)."""
    return synthesized(**EVERY_OPTION)


@pytest.fixture
def account(monkeypatch):
    """A fake AWS account (moto, in-process, dummy credentials) to build a lab in by hand."""
    from tests.labcheck_fixtures import fake_account

    with fake_account(monkeypatch) as session:
        yield session
