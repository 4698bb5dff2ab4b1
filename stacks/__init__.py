"""The lab stacks, one module each, registered here in course order."""

from stacks.lab_stack import LabStack
from stacks.s3_lifecycle import S3LifecycleStack

LABS: tuple[type[LabStack], ...] = (S3LifecycleStack,)
