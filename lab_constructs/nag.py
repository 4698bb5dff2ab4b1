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


def managed_policy_finding(policy_name: str) -> str:
    """The IAM4 finding of one AWS managed policy (its name under `policy/`, e.g.
    `service-role/AmazonRDSEnhancedMonitoringRole`), to acknowledge that policy and no other."""
    return f"IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{policy_name}]"
