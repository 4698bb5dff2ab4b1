"""The Node.js process that jsii starts for the CDK app: quiet, and tuned for a short synth.

jsii (how aws-cdk-lib runs in Python) starts its own Node process, which reads these variables
at start: `configure_jsii_node()` must run before `aws_cdk` is imported (app.py, tests/synth.py).

- Quiet: jsii prints an 11-line banner on every run when that Node release is past its end of
  life (Node 20 since 2026-04-30). The README recommends Node 22 or 24 and supports 20, so the
  banner tells a trainer nothing new and hides the one line that matters (e.g. `error: invalid
  context ...`). `..._END_OF_LIFE_NODE_VERSION` lists the major releases to keep quiet about; a
  release that reaches its end of life later (22 in 2027-04) shows the banner again, as it should.
- Tuned: `JSII_NODE` names the Node jsii runs, here bin/jsii-node (node with V8 flags that halve
  a synth's CPU; the file says which and why). A JSII_NODE set by the user is kept.
"""

from __future__ import annotations

import os
from pathlib import Path

JSII_QUIET = {
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
}
JSII_NODE = Path(__file__).resolve().parent.parent / "bin" / "jsii-node"


def configure_jsii_node() -> None:
    """Quiet jsii's Node 20 banner and run jsii's Node with bin/jsii-node's flags."""
    for key, value in {**JSII_QUIET, "JSII_NODE": str(JSII_NODE)}.items():
        os.environ.setdefault(key, value)
