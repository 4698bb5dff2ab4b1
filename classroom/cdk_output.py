"""What the CDK CLI's lines say about each stack of a class run (the pinned CLI, 2.1148.1).

One `cdk deploy`/`cdk destroy` runs a whole account's part of the class, so its output mixes
every participant's stack. Every line about a stack names it (checked by running the CLI
against moto, and in node_modules/aws-cdk/lib/index.js):

    ana-LabS3Lifecycle: start: Publishing ana-LabS3Lifecycle Template (...)
    ana/LabS3Lifecycle (ana-LabS3Lifecycle): deploying... [1/3]
    ana-LabS3Lifecycle: creating stack...
    ana-LabS3Lifecycle |   0 | 2:51:08 PM | CREATE_IN_PROGRESS | AWS::CloudFormation::Stack | ...
    ✅  ana/LabS3Lifecycle (ana-LabS3Lifecycle)                  (deploy; "(no changes)" after it)
    ✅  ana/LabS3Lifecycle (ana-LabS3Lifecycle): destroyed
    ❌  ana-LabS3Lifecycle failed: ValidationError: ...          (deploy)
     ❌  ana/LabS3Lifecycle (ana-LabS3Lifecycle): destroy failed Error: ...
    ana-LabS3Lifecycle: SSM parameter /cdk-bootstrap/... not found in aws://... Has the
        environment been bootstrapped? Please run 'cdk bootstrap' (...)
    anaLabS3Lifecycle78BEB853.BucketName = ...                    (outputs: the artifact id)

`StackLines` tells which stack a line names (its stack name, or its artifact id in the
manifest), the CLI's verdict on a stack (✅/❌), and the line that explains a failure: the
❌ line, else the last line naming the stack that is not progress (publishing, deploying,
events, outputs). The CLI prints its last error again at the end, followed by its causes
(`‣ ...`); `last_error` is the line a trainer needs when no stack's own line says more: the
latest failure line of any stack, else the CLI's last line (without the causes).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

SUCCESS_MARK = "✅"
FAILURE_MARK = "❌"
CAUSE_MARK = "‣"  # the CLI's causes of its last error
# `<stack>: <word>: ...` lines of asset publishing, and the CLI's other progress lines.
PROGRESS = re.compile(
    r":\s+(start|success|check|found|cached|build|upload|debug):\s"
    r"|: (deploying|destroying)\.\.\.|: (creating|updating) stack\.\.\."
)
EVENT_COLUMNS = re.compile(r"^\S+ \| ")  # `ana-LabX |   0 | 2:51:08 PM | CREATE_IN_PROGRESS | ...`
OUTPUT = re.compile(r"^\S+\.\S+ = ")  # `anaLabX1234ABCD.BucketName = ...`
ARN = re.compile(r"^arn:aws[\w-]*:cloudformation:")


@dataclass(frozen=True)
class Verdict:
    """The CLI's last word on a stack: ✅ (ok) or ❌ (not ok), with the line."""

    ok: bool
    line: str


def artifact_ids(assembly: Path) -> dict[str, str]:
    """Stack name by artifact id (`anaLabS3Lifecycle78BEB853`), from the assembly's manifest;
    the CLI names a stack's outputs by it."""
    try:
        manifest = json.loads((assembly / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}
    return {
        artifact_id: artifact.get("properties", {}).get("stackName", artifact_id)
        for artifact_id, artifact in manifest.get("artifacts", {}).items()
        if artifact.get("type") == "aws:cloudformation:stack"
    }


class StackLines:
    """Reads the CLI's lines for the stacks of a class run."""

    def __init__(self, stack_names: Iterable[str], aliases: Mapping[str, str] = {}) -> None:
        self._name_of = {name: name for name in stack_names}
        self._name_of |= {alias: name for alias, name in aliases.items() if name in self._name_of}
        words = "|".join(re.escape(w) for w in sorted(self._name_of, key=len, reverse=True))
        # A name is a whole word: `ana-LabX` is not inside `hana-LabX` nor `ana-LabX2`.
        self._pattern = re.compile(rf"(?<![\w-])({words})(?![\w-])") if words else None
        self.verdicts: dict[str, Verdict] = {}
        self.causes: dict[str, str] = {}
        self._stack_error = self._last_line = ""

    def stack_of(self, line: str) -> str | None:
        """The stack the line names first, or None."""
        found = self._pattern.search(line) if self._pattern else None
        return self._name_of[found.group(1)] if found else None

    def read(self, line: str) -> str | None:
        """Take in one line of the CLI; returns the stack it names (None: no stack)."""
        text = line.strip()
        stack = self.stack_of(text)
        if stack is None:
            if text and not text.startswith(CAUSE_MARK):
                self._last_line = text
            return None
        if text.startswith(SUCCESS_MARK):
            self.verdicts[stack] = Verdict(True, text)
        elif text.startswith(FAILURE_MARK):
            self.verdicts[stack] = Verdict(False, text)
            self.causes[stack] = self._stack_error = text.removeprefix(FAILURE_MARK).strip()
        elif not _is_progress(text):
            self.causes[stack] = self._stack_error = text
        return stack

    @property
    def last_error(self) -> str:
        """What the CLI said went wrong last: a stack's failure line, else its last line."""
        return self._stack_error or self._last_line

    def cause(self, stack: str) -> str:
        """Why the CLI failed the stack, or what it said last about it ("" if nothing)."""
        return self.causes.get(stack, "")


def _is_progress(text: str) -> bool:
    """A line about a stack that says how far it got, not what went wrong."""
    if EVENT_COLUMNS.match(text) or OUTPUT.match(text) or ARN.match(text):
        return True
    if PROGRESS.search(text):
        return True
    # `ana/LabX (ana-LabX)` alone: the CLI lists the stacks it is about to deploy.
    return re.fullmatch(r"\S+ \(\S+\)", text) is not None
