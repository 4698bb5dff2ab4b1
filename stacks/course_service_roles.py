"""CourseServiceRoles: the AWS service roles that participants pass to RDS and AWS Backup.

Not a lab: the guides choose two roles in the console that participants may pass to their
service but not create (labs/access): RDS Enhanced Monitoring's `rds-monitoring-role` and AWS
Backup's `service-role/AWSBackupDefaultServiceRole`, as the consoles make them (course/config.py
`SERVICE_ROLES`). Built only without `-c participant`, in the trainer's app.

An account may have them already (made by hand, or by a console the first time someone chose
its default role), and CloudFormation cannot "create if missing": a stack that names an existing
role fails. So the stack makes only the roles of `-c service_roles=...` (every one by default),
and the trainer's command `make course-roles` (classroom/service_roles.py) passes those the
account lacks plus those the stack owns already, and says which it leaves alone.

IAM is global, CloudFormation regional: deploy it in one region per account. The command run in
another region finds the roles (tagged `course`) and deploys nothing there.

Tags: `course` only. Not `managed-by`, which the course's other stacks carry: the participant
guards (labs/access/participant-guards.json) deny every action, `iam:PassRole` included, on
resources tagged `managed-by` without `participant`, so participants could not pass these roles
(the stack itself carries no tags that CloudFormation could propagate to them: cdk.json's
`@aws-cdk/core:explicitStackTags`).
Participants cannot change the stack or the roles anyway: their policy allows CloudFormation on
their own stacks (`<participant>-*`) and IAM on their own roles (`<participant>-*`) only.

Idle it costs nothing (IAM roles are free).
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from course.names import COURSE_SERVICE_ROLES_ID, COURSE_TAG, ServiceRole
from lab_constructs.nag import acknowledge, managed_policy_finding
from lab_constructs.tagging import apply_tags

STACK_ID = COURSE_SERVICE_ROLES_ID
MANAGED_POLICY_REASON = (
    "The labs teach the AWS default service role of {service}, which its console creates with "
    "the AWS managed policy {policy}: AWS keeps it up to date with the service"
)


class CourseServiceRolesStack(Stack):
    """One IAM role per chosen `ServiceRole`, named and trusted as the AWS console makes it."""

    def __init__(self, scope: Construct, *, roles: tuple[ServiceRole, ...]) -> None:
        super().__init__(
            scope,
            STACK_ID,
            stack_name=STACK_ID,
            description="Course: the service roles participants pass (course-labs-cdk)",
        )
        apply_tags(self, {"course": COURSE_TAG})  # not managed-by: see the module docstring
        self.roles = {role.name: self._role(role) for role in roles}

    def _role(self, role: ServiceRole) -> iam.Role:
        # The construct id is the role's name: its logical id stays the same whichever roles
        # the stack holds, so adding or dropping one never replaces the other.
        made = iam.Role(
            self,
            role.name,
            role_name=role.name,
            path=role.path,
            assumed_by=iam.ServicePrincipal(role.service),
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(name)
                for name in role.managed_policies
            ],
            description=f"The default service role of {role.service} (course-labs-cdk)",
        )
        for policy in role.managed_policies:
            acknowledge(
                made,
                managed_policy_finding(policy),
                MANAGED_POLICY_REASON.format(service=role.service, policy=policy),
            )
        CfnOutput(
            self,
            "".join(part[:1].upper() + part[1:] for part in role.name.split("-")) + "Arn",
            value=made.role_arn,
            description=f"{role.path_and_name}: participants may pass it to {role.service}",
        )
        return made
