"""Node.js start-up banners that say nothing about the lab, silenced where Node is started.

jsii (how aws-cdk-lib runs in Python) starts its own Node process and prints an 11-line banner
on every run when that Node release is past its end of life (Node 20 since 2026-04-30). The
README recommends Node 22 or 24 and supports 20, so the banner tells a trainer nothing new and
hides the one line that matters (e.g. `error: invalid context ...`). jsii reads these variables
in its Node process, which inherits this process's environment: set them before `aws_cdk` is
imported. `..._END_OF_LIFE_NODE_VERSION` lists the major releases to keep quiet about; a release
that reaches its end of life later (22 in 2027-04) shows the banner again, as it should.
"""

from __future__ import annotations

import os

JSII_QUIET = {
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
}


def silence_jsii_banner() -> None:
    """Silence jsii's Node 20 banner for this process and the Node process jsii starts."""
    for key, value in JSII_QUIET.items():
        os.environ.setdefault(key, value)
