"""CourseNetwork: the one VPC that participants' LabRdsMysql share with `-c shared_network=true`.

Not a lab: the trainer deploys it once per account and region, before the class, and destroys it
after the class's LabRdsMysql stacks (lab_constructs/course_network.py says how participants'
stacks find it and how its deletion waits for what they put in it):

    npx cdk deploy CourseNetwork        # (per account: --profile <profile>)
    make class-up LAB=LabRdsMysql CLASS=class.csv SHARED_NETWORK=1
    ...
    make class-down LAB=LabRdsMysql CLASS=class.csv
    npx cdk destroy CourseNetwork

Built only without `-c participant` (it belongs to the account). Idle it costs nothing but its
flow logs' CloudWatch Logs ingestion (the VPC, subnets, S3 gateway endpoint and SSM parameters
are free; no NAT gateway); the guard's functions run only on delete.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from course.names import COURSE_NETWORK_ID
from lab_constructs.course_network import CourseNetwork
from lab_constructs.tagging import apply_tags
from stacks.lab_stack import COURSE_TAG, MANAGED_BY_TAG

STACK_ID = COURSE_NETWORK_ID


class CourseNetworkStack(Stack):
    """The course network (`CourseNetwork`) in a stack of its own."""

    def __init__(self, scope: Construct) -> None:
        super().__init__(
            scope,
            STACK_ID,
            stack_name=STACK_ID,
            description="Course network shared by participants' LabRdsMysql (course-labs-cdk)",
        )
        apply_tags(self, {"course": COURSE_TAG, "managed-by": MANAGED_BY_TAG})
        self.network = CourseNetwork(self, "CourseNetwork")
        CfnOutput(self, "VpcId", value=self.network.vpc.vpc_id, description="The course VPC")
