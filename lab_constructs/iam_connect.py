"""A role whose sessions may connect to some RDS instances as one IAM-authenticated user."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_rds as rds
from constructs import Construct


class LabIamConnectRole(Construct):
    """A role principals of this account may assume to `rds-db:connect` as `db_user`.

    Students assume it rather than attach a policy to themselves: nothing outside the stack then
    refers to a stack resource, so `cdk destroy` (and the auto-expiry) never meets an attached
    policy (IAM's DeleteConflict). It may connect to `instances` as `db_user` only.

    Attributes:
        role: the role.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        instances: Sequence[rds.DatabaseInstanceBase],
        db_user: str,
        max_session: Duration,
        description: str,
    ) -> None:
        """
        Args:
            instances: the DB instances its sessions may connect to.
            db_user: the database user they connect as (created with AWSAuthenticationPlugin).
            max_session: how long an assumed session lasts at most.
            description: what the role is for, shown in the IAM console.
        """
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.AccountRootPrincipal(),
            description=description,
            max_session_duration=max_session,
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["rds-db:connect"],
                resources=[_db_user_arn(db, db_user) for db in instances],
            )
        )


def _db_user_arn(instance: rds.DatabaseInstanceBase, user: str) -> str:
    """`arn:...:rds-db:<region>:<account>:dbuser:<instance resource id>/<user>`."""
    return Stack.of(instance).format_arn(
        service="rds-db",
        resource="dbuser",
        resource_name=f"{instance.instance_resource_id}/{user}",
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )
