"""Builds the CDK app: every lab stack (and the course watcher), with the guards applied once."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import Construct

from course.app_options import AppOptions
from course.config import Selection
from course.names import COURSE_NETWORK_ID
from stacks import LABS
from stacks.access import AccessStack
from stacks.course_network import CourseNetworkStack
from stacks.course_service_roles import CourseServiceRolesStack
from stacks.course_watch import CourseWatchStack


def build_app(context: Mapping[str, Any] | None = None, outdir: str | None = None) -> App:
    """Return an app holding every lab; raises `ContextError` on a bad `-c` key or value.

    `-c lab=<LabId>` builds that lab only; with `-c participants=ana,ben` it builds that lab
    once per participant (a class in one cloud assembly, see classroom/run.py), each under
    a construct named after the participant: `ana/LabS3Lifecycle`, stack `ana-LabS3Lifecycle`.
    `context` and `outdir` are for tests; the CDK CLI passes both through the environment.
    """
    app = App(context=dict(context) if context is not None else None, outdir=outdir)
    options = AppOptions.from_context(app.node.get_all_context())
    settings, selection = options.settings, options.selection
    # What a class can deploy: every lab, and each participant's sign-in (LabAccess).
    class_stacks = [*LABS, AccessStack]
    # What the trainer deploys without a participant: the labs (a sign-in needs a participant).
    trainer_labs = [stack for stack in class_stacks if stack is not AccessStack]
    chosen = [stack for stack in class_stacks if selection.lab in (None, stack.lab_id)]
    if selection.participants:
        for name in selection.participants:
            scope = Construct(app, name)
            for stack in chosen:
                stack(scope, settings=dataclasses.replace(settings, participant=name))
    else:
        for stack in chosen:
            if stack in trainer_labs or settings.participant:
                stack(app, settings=settings)
    if not settings.participant and selection == Selection():  # the trainer's app, not a class
        # One per account and region, the trainer's watcher of failed teardowns, not a lab: it
        # watches every other stack this app makes, as it names them.
        CourseWatchStack(
            app,
            settings=settings,
            trainer_stacks=[*(stack.lab_id for stack in trainer_labs), COURSE_NETWORK_ID],
            participant_stacks=[stack.lab_id for stack in class_stacks],
        )
        # One per account and region too: the network participants' LabRdsMysql share with
        # -c shared_network=true (stacks/course_network.py).
        CourseNetworkStack(app)
        # The service roles participants pass, those the account lacks (`make course-roles`).
        CourseServiceRolesStack(app, roles=options.service_roles.service_roles)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app
