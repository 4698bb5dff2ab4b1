"""Builds the CDK app: every lab stack (and the course watcher), with the guards applied once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from course.config import LabSettings
from stacks import LABS
from stacks.course_watch import CourseWatchStack


def build_app(context: Mapping[str, Any] | None = None, outdir: str | None = None) -> App:
    """Return an app holding every lab; raises `ContextError` on a bad `-c` value.

    `context` and `outdir` are for tests; the CDK CLI passes both through the environment.
    """
    app = App(context=dict(context) if context is not None else None, outdir=outdir)
    settings = LabSettings.from_context(app.node.try_get_context)
    for lab in LABS:
        lab(app, settings=settings)
    if not settings.participant:  # one per account and region, the trainer's, not a lab
        CourseWatchStack(app, settings=settings, lab_ids=tuple(lab.lab_id for lab in LABS))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app
