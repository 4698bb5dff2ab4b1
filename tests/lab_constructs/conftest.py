"""`template`: the template of the module's own `stack` fixture (a bare Stack, see helpers.py)."""

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template


@pytest.fixture(scope="module")
def template(stack: Stack) -> dict:
    return Template.from_stack(stack).to_json()
