"""The CDK CLI calls of a class run: one synth of the whole class, then per account one deploy
or destroy of all its participants' stacks from that cloud assembly (and a bootstrap first with
`BOOTSTRAP=1`), against the account's profile and region."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from classroom.stack_states import DEPLOYED, GONE
from course.config import LabSettings

ROOT = Path(__file__).resolve().parent.parent
CDK = ROOT / "node_modules" / ".bin" / "cdk"


@dataclass(frozen=True)
class Action:
    """What `up` or `down` does."""

    name: str
    verb: str  # for the report: "deployed" / "destroyed"
    cdk_command: str
    # Nobody is there to answer a prompt; a deploy creates and updates stacks without change
    # sets and prints every stack event (classroom/engine.py says why).
    cdk_flags: tuple[str, ...]
    done_states: frozenset[str | None]  # the stack states that mean success


ACTIONS = {
    "up": Action(
        "up",
        "deployed",
        "deploy",
        ("--method=direct", "--require-approval", "never", "--progress", "events"),
        DEPLOYED,
    ),
    "down": Action("down", "destroyed", "destroy", ("--force",), GONE),
}


def assembly_dir(lab_id: str, work_dir: Path) -> Path:
    """Where the class's cloud assembly goes: one folder per lab, so two classes never mix."""
    return work_dir / f"cdk.out.class-{lab_id}"


def synth_command(
    cdk: Sequence[str],
    action: Action,
    lab_id: str,
    settings: Sequence[LabSettings],
    outdir: Path,
) -> list[str]:
    """One `cdk synth` for the whole class: every participant's stack of the lab."""
    names = ",".join(s.participant or "" for s in settings)
    command = [*cdk, "synth", "--quiet", "-c", f"lab={lab_id}", "-c", f"participants={names}"]
    expires = settings[0].expires_in_hours if settings else None
    if expires is not None and action.name == "up":
        command += ["-c", f"expires_in_hours={expires}"]
    if settings and settings[0].shared_network:
        command += ["-c", "shared_network=true"]
    return [*command, "--output", str(outdir)]


def class_command(
    cdk: Sequence[str], action: Action, assembly: Path, paths: Sequence[str], concurrency: int
) -> list[str]:
    """One CLI run for many stacks of one account (`paths`: `ana/<LabId>`, the construct paths
    stacks/app.py gives them), `concurrency` at a time."""
    return [
        *cdk,
        action.cdk_command,
        "--app",
        str(assembly),
        "--concurrency",
        str(concurrency),
        *action.cdk_flags,
        *paths,
    ]


def bootstrap_command(cdk: Sequence[str], assembly: Path) -> list[str]:
    """`cdk bootstrap` of the account and region (`BOOTSTRAP=1`). Given no environment, the CLI
    bootstraps those of the app's stacks, resolving an environment-agnostic stack's
    `aws://unknown-account/unknown-region` to the profile's account and region (checked in the
    pinned CLI, node_modules/aws-cdk/lib/index.js: `defineEnvironments`,
    `globEnvironmentsFromStacks`); `--app` reads the class's assembly instead of synthesizing
    the app again."""
    return [*cdk, "bootstrap", "--app", str(assembly)]


@dataclass(frozen=True)
class Target:
    """The account a participant's stack goes to: a profile (None: the default credentials)
    and the region the CDK CLI uses with it (course/region.py)."""

    profile: str | None = None
    region: str | None = None

    def wrap(self, command: list[str]) -> list[str]:
        """`command` against this account: `--profile` (the CDK CLI then reads that profile's
        credentials only, not the environment's keys) and the profile's region in
        `AWS_REGION` (the CDK CLI reads it before the profile's own, as course/region.py says).
        The default credentials: `command` unchanged (the runner's environment holds the
        class's region)."""
        if self.profile is None:
            return command
        return ["env", f"AWS_REGION={self.region}", *command, "--profile", self.profile]


DEFAULT_TARGET = Target()  # the default credentials, in the class's region
