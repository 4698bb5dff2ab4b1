"""Acknowledging a cdk-nag finding: next to the resource, always with a reason."""

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct


def acknowledge(construct: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge AwsSolutions `rule` (e.g. "S1") on `construct` and its children only."""
    if not reason.strip():
        raise ValueError(f"acknowledging AwsSolutions-{rule} needs a reason")
    Validations.of(construct).acknowledge(
        Acknowledgment(id=f"AwsSolutions::AwsSolutions-{rule}", reason=reason)
    )
