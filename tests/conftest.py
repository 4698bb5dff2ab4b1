"""Shared fixtures: the app is synthesized once per session (see tests/synth.py)."""

import pytest

from tests.synth import Synth, synthesized

PARTICIPANT = "ana"


@pytest.fixture(scope="session")
def synth() -> Synth:
    """The app as `make synth` builds it: default context, no participant."""
    return synthesized()


@pytest.fixture(scope="session")
def participant_synth() -> Synth:
    """The app for one participant of a class (`-c participant=ana`)."""
    return synthesized(participant=PARTICIPANT)
