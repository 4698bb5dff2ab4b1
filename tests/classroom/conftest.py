"""`klass`: the class the report's tests check (tests/classroom/report_class.py)."""

import pytest

from tests.classroom.report_class import fake_class


@pytest.fixture
def klass(monkeypatch):
    """The class in one account; yields the session factory the report checks it with."""
    with fake_class(monkeypatch) as checker:
        yield checker
