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
    return Template.from_stack(bare_stack(build)).to_json()


def bare_stack(build: Callable[[Stack], Any]) -> Stack:
    """A bare Stack (cdk.json's context) after `build(stack)`, for what a template does not show."""
    stack = Stack(App(context=CDK_JSON_CONTEXT), "Bare")
    build(stack)
    return stack


def acknowledgements(stack: Stack) -> dict[str, dict[str, str]]:
    """cdk-nag findings acknowledged in `stack`: {path under the stack: {rule: reason}}."""
    found: dict[str, dict[str, str]] = {}
    for construct in stack.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == "aws:cdk:acknowledged-rules":
                path = construct.node.path.removeprefix(f"{stack.node.path}/")
                found.setdefault(path, {}).update(entry.data)
    return found
