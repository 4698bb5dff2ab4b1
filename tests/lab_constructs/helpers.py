"""A bare Stack to test one construct on its own (template helpers: tests/templates.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_cdk import App, Stack
from aws_cdk.assertions import Template

from tests.synth import CDK_JSON_CONTEXT


def bare_template(build: Callable[[Stack], Any]) -> dict[str, Any]:
    """The template of a bare Stack after `build(stack)` adds the construct under test.

    The App has cdk.json's context (its feature flags), so a construct behaves as in the labs.
    """
    stack = Stack(App(context=CDK_JSON_CONTEXT), "Bare")
    build(stack)
    return Template.from_stack(stack).to_json()
