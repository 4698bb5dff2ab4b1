"""The CDK app: `npx cdk synth` runs this file (see cdk.json)."""

import sys

from course.app_options import AppOptions, cli_context
from course.config import ContextError
from course.node import configure_jsii_node

try:
    # The options as the CLI hands them over, checked before aws-cdk-lib loads: a mistyped one
    # stops here at once. build_app reads them from the app and checks them again.
    AppOptions.from_context(cli_context())
    configure_jsii_node()  # before aws_cdk is imported: jsii reads it when it starts Node
    from stacks.app import build_app

    app = build_app()
except ContextError as error:
    sys.exit(f"error: {error}")
app.synth()
