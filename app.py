"""The CDK app: `npx cdk synth` runs this file (see cdk.json)."""

import sys

from course.node import configure_jsii_node

configure_jsii_node()  # before aws_cdk is imported: jsii reads it when it starts Node

from course.config import ContextError  # noqa: E402
from stacks.app import build_app  # noqa: E402

try:
    app = build_app()
except ContextError as error:
    sys.exit(f"error: {error}")
app.synth()
