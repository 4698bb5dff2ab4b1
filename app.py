"""The CDK app: `npx cdk synth` runs this file (see cdk.json)."""

import sys

from course.builder import build_app
from course.config import ContextError

try:
    app = build_app()
except ContextError as error:
    sys.exit(f"error: {error}")
app.synth()
