"""The CDK CLI calls of a class run: one synth of the whole class, then one deploy, destroy or
bootstrap per participant from that cloud assembly, against the participant's account."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from classroom.runner import ROOT
from classroom.stack_states import DEPLOYED, GONE
from course.config import LabSettings

CDK = ROOT / "node_modules" / ".bin" / "cdk"


@dataclass(frozen=True)
class Action:
    """What `up` or `down` does for one participant."""

    name: str
    verb: str  # for the report: "deployed" / "destroyed"
    cdk_command: str
    cdk_flags: tuple[str, ...]  # nobody is there to answer a prompt
    done_states: frozenset[str | None]  # the stack states that mean success


ACTIONS = {
    "up": Action("up", "deployed", "deploy", ("--require-approval", "never"), DEPLOYED),
    "down": Action("down", "destroyed", "destroy", ("--force",), GONE),
}


def assembly_dir(lab_id: str, work_dir: Path) -> Path:
    """Where the class's cloud assembly goes: one folder per lab, so two classes never mix."""
    return work_dir / f"cdk.out.class-{lab_id}"


def synth_command(
    action: Action, lab_id: str, settings: Sequence[LabSettings], outdir: Path
) -> list[str]:
    """One `cdk synth` for the whole class: every participant's stack of the lab."""
    names = ",".join(s.participant or "" for s in settings)
    command = [str(CDK), "synth", "--quiet", "-c", f"lab={lab_id}", "-c", f"participants={names}"]
    expires = settings[0].expires_in_hours if settings else None
    if expires is not None and action.name == "up":
        command += ["-c", f"expires_in_hours={expires}"]
    if settings and settings[0].shared_network:
        command += ["-c", "shared_network=true"]
    return [*command, "--output", str(outdir)]


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


def cdk_command(
    action: Action,
    lab_id: str,
    settings: LabSettings,
    assembly: Path,
    target: Target = DEFAULT_TARGET,
) -> list[str]:
    """The CDK CLI call for one participant, from the class's assembly (no synth of its own)."""
    stack = f"{settings.participant}/{lab_id}"  # the construct path stacks/app.py gives it
    command = [str(CDK), action.cdk_command, "--app", str(assembly), stack, *action.cdk_flags]
    return target.wrap(command)


def bootstrap_command(assembly: Path, target: Target) -> list[str]:
    """`cdk bootstrap` of the target account and region (`BOOTSTRAP=1`). Given no environment,
    the CLI bootstraps those of the app's stacks, resolving an environment-agnostic stack's
    `aws://unknown-account/unknown-region` to the profile's account and region (checked in the
    pinned CLI, node_modules/aws-cdk/lib/index.js: `defineEnvironments`,
    `globEnvironmentsFromStacks`); `--app` reads the class's assembly instead of synthesizing
    the app again."""
    return target.wrap([str(CDK), "bootstrap", "--app", str(assembly)])
