"""The base of every lab stack: participant-aware stack name and the course tags."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from course.config import LabSettings
from course.names import COURSE_TAG
from course.sheets import LABS_DIR, Lab
from lab_constructs.expiry import StackExpiry
from lab_constructs.tagging import apply_tags

MANAGED_BY_TAG = "course-labs-cdk"


class _FromLab:
    """A class attribute of a lab stack read from its registered `lab` (course/sheets.py)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, stack: object, stack_class: type) -> str:
        return getattr(stack_class.lab, self._name)


class LabStack(Stack):
    """One lab: subclasses set `lab`, its entry of the registry (course/sheets.py `LABS`).

    `lab_id` (construct id and stack name), `title` and `folder` are read from it.

    The stack is environment-agnostic: it deploys into whatever account and region the CDK CLI
    is pointed at, so synthesis needs no credentials.
    """

    lab: ClassVar[Lab]
    lab_id = _FromLab()
    title = _FromLab()
    folder = _FromLab()

    def __init__(self, scope: Construct, *, settings: LabSettings) -> None:
        super().__init__(
            scope,
            self.lab_id,
            stack_name=settings.stack_name(self.lab_id),
            description=f"Course lab: {self.title} (course-labs-cdk)",
        )
        tags = {"course": COURSE_TAG, "lab": self.lab_id, "managed-by": MANAGED_BY_TAG}
        if settings.participant:
            tags["participant"] = settings.participant
        apply_tags(self, tags)
        if settings.expires_in_hours:  # -c expires_in_hours=N: the stack deletes itself
            expiry = StackExpiry(self, "Expiry", expires_in_hours=settings.expires_in_hours)
            self.output("ExpiresAt", expiry.expires_at, "When this lab deletes itself (UTC)")

    @property
    def lab_dir(self) -> Path:
        """The lab's folder under `labs/`: its guide and the assets the stack uploads."""
        return LABS_DIR / self.folder

    def output(self, output_id: str, value: str, description: str) -> CfnOutput:
        """A stack output; `cdk deploy` prints it and `labcheck` reads it by `output_id`."""
        return CfnOutput(self, output_id, value=value, description=description)
