"""The course's own fixed names, shared by the stacks, labcheck and the class tools: the
stacks that are no lab (the sign-in, the course network, the service roles), what they publish,
the course's tag, and the AWS service roles participants pass. Plain Python, no CDK."""

from __future__ import annotations

from dataclasses import dataclass

from course import sheets

# A participant's sign-in (stacks/access.py), which class commands deploy like a lab.
ACCESS_ID = "LabAccess"

# Names two labs agree on: LabDynamoDbUsers creates the table, LabBackup backs it up. Neither
# stack references the other, so each deploys and destroys on its own.
USERS_TABLE = sheets.DYNAMODB_USERS.table
# Where the course network (stacks/course_network.py) publishes its VPC for participants'
# LabRdsMysql with -c shared_network=true; the class runner checks it before a class-up.
COURSE_NETWORK_ID = "CourseNetwork"
COURSE_NETWORK_VPC_PARAMETER = "/course-labs/network/vpc-id"
COURSE_NETWORK_SUBNETS_PARAMETER = "/course-labs/network/isolated-subnet-ids"
# The tag every course resource carries (stacks/lab_stack.py); the trainer's service-role
# command (classroom/service_roles.py) reads it to tell the course's roles from others.
COURSE_TAG = "storage-and-data"


@dataclass(frozen=True)
class ServiceRole:
    """An AWS service role that the guides choose in the console and that participants may pass
    to its service but not create (labs/access): one per account, IAM being global."""

    name: str
    path: str
    service: str  # the service principal that may assume it
    managed_policies: tuple[str, ...]  # AWS managed policies, by name under `policy/`

    @property
    def path_and_name(self) -> str:
        """As ARNs write it: `service-role/AWSBackupDefaultServiceRole`."""
        return f"{self.path}{self.name}".lstrip("/")


# The roles the AWS consoles create as their defaults, with the same trust and policies: RDS
# Enhanced Monitoring's and AWS Backup's (backups and restores). The CourseServiceRoles stack
# (stacks/course_service_roles.py) makes those an account lacks.
SERVICE_ROLES = (
    ServiceRole(
        "rds-monitoring-role",
        "/",
        "monitoring.rds.amazonaws.com",
        ("service-role/AmazonRDSEnhancedMonitoringRole",),
    ),
    ServiceRole(
        "AWSBackupDefaultServiceRole",
        "/service-role/",
        "backup.amazonaws.com",
        (
            "service-role/AWSBackupServiceRolePolicyForBackup",
            "service-role/AWSBackupServiceRolePolicyForRestores",
        ),
    ),
)
COURSE_SERVICE_ROLES_ID = "CourseServiceRoles"
