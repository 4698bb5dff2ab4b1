"""A bare Stack to test one construct on its own, and its template as JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_cdk import App, Stack
from aws_cdk.assertions import Template


def bare_template(build: Callable[[Stack], Any]) -> dict[str, Any]:
    """The template of a bare Stack after `build(stack)` adds the construct under test."""
    stack = Stack(App(), "Bare")
    build(stack)
    return Template.from_stack(stack).to_json()


def of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    """The template's resources of one type, by logical id."""
    return {k: r for k, r in template["Resources"].items() if r["Type"] == resource_type}
