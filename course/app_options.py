"""The app's `-c` options as a whole: read as the CDK CLI hands them over, validated at once.

app.py checks them before aws-cdk-lib loads, so a mistyped option stops `cdk synth` in a tenth
of a second, not after the seconds jsii takes to start; stacks/app.py reads the same options
from the app it builds (tests pass theirs in code) and checks them the same way.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course.config import LAB_IDS, LabSettings, Selection, ServiceRoleSelection, check_keys
from course.names import ACCESS_ID

CDK_JSON = Path(__file__).resolve().parent.parent / "cdk.json"
# Where the CDK CLI puts the context (aws-cdk-lib's cx-api: CONTEXT_ENV), and the file it names
# instead when the context is too large for the environment (CONTEXT_OVERFLOW_LOCATION_ENV).
CONTEXT_ENV = "CDK_CONTEXT_JSON"
CONTEXT_OVERFLOW_ENV = "CONTEXT_OVERFLOW_LOCATION_ENV"
# What `-c lab=` may name: a lab, or a participant's sign-in (with `-c participants=`).
CLASS_STACK_IDS = (*LAB_IDS, ACCESS_ID)


@dataclass(frozen=True)
class AppOptions:
    settings: LabSettings
    selection: Selection
    service_roles: ServiceRoleSelection

    @classmethod
    def from_context(cls, context: Mapping[str, Any]) -> AppOptions:
        """Every option of `context`; `ContextError` (one line) on the first bad key or value."""
        check_keys(context, cdk_json_keys())
        get = context.get
        settings = LabSettings.from_context(get)
        service_roles = ServiceRoleSelection.from_context(get)
        return cls(settings, Selection.from_context(get, CLASS_STACK_IDS), service_roles)


def cdk_json_keys() -> list[str]:
    """The keys cdk.json sets: the CLI passes them to every synth."""
    return list(json.loads(CDK_JSON.read_text()).get("context", {}))


def cli_context(environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """The context the CDK CLI hands the app, merged as aws-cdk-lib's `App` merges it."""
    context = json.loads(environ.get(CONTEXT_ENV) or "{}")
    if overflow := environ.get(CONTEXT_OVERFLOW_ENV):
        context.update(json.loads(Path(overflow).read_text()))
    return context
