"""A stand-in for the CDK CLI that the class engine launches as its `cdk` command.

    python tests/classroom/fake_cdk.py synth|bootstrap|deploy|destroy ... (the real CLI's arguments)

A real process (so the engine's sessions, process groups and signals are real) that creates
and deletes stacks in a moto server (`FAKE_CDK_ENDPOINT`, the region in `AWS_REGION`) and prints
lines in the pinned CLI's format (classroom/cdk_output.py lists them). moto creates and deletes
a stack at once; what CloudFormation does over time, moto cannot: this script writes it to the
timeline (tests/classroom/fake_cloud.py reads it), e.g. "ana-LabX is CREATE_IN_PROGRESS until
t, then ROLLBACK_COMPLETE". The timeline goes on when this process is killed, as CloudFormation
goes on when the CLI is.

FAKE_CDK_PLAN (a JSON file) says what happens to whom: {"stacks": {"ben": "rollback"},
"busy": seconds a stack stays in progress, "slow": the same for "slow" stacks, "synth_exit": n,
"synth_seconds": s, "bootstrap_fail": [profiles], "claims_success": true (✅ whatever the
stack's state)}. A participant's kind: "ok" (default),
"slow", "update", "rollback", "update-rollback", "final:<STATUS>" (any end), "error" (the CLI
fails it before CloudFormation sees it), "stuck" (REVIEW_IN_PROGRESS for ever),
"delete-failed".
FAKE_CDK_RECORD (a file) gets one JSON line per event: each start (argv, pid, process group,
region, the child it starts), each end (exit code or signal).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.classroom.moto_wire import CloudFormation, MotoError, Ssm
from tests.classroom.timeline import Timeline

ACCOUNT = "123456789012"
TEMPLATE = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
UPDATED = json.dumps({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}})
BOOTSTRAP_PARAMETER = "/cdk-bootstrap/hnb659fds/version"


def record(**event) -> None:
    with open(os.environ["FAKE_CDK_RECORD"], "a") as out:
        out.write(json.dumps(event) + "\n")


_printing = threading.Lock()


def say(text: str) -> None:
    """One whole line at a time, as the real CLI (one Node thread) writes them."""
    with _printing:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


class Cli:
    def __init__(self, argv: list[str]) -> None:
        self.argv = argv
        self.command = argv[0]
        self.plan = json.loads(Path(os.environ["FAKE_CDK_PLAN"]).read_text())
        self.profile = argv[argv.index("--profile") + 1] if "--profile" in argv else None
        self.region = os.environ.get("AWS_REGION", "us-east-1")
        endpoint = os.environ["FAKE_CDK_ENDPOINT"]
        self.cloudformation = CloudFormation(endpoint, self.region)
        self.ssm = Ssm(endpoint, self.region)
        self.timeline = Timeline(Path(os.environ["FAKE_CDK_TIMELINE"]))
        self.lock = threading.Lock()
        self.failures: list[str] = []

    def option(self, name: str, default: str | None = None) -> str | None:
        return self.argv[self.argv.index(name) + 1] if name in self.argv else default

    def stacks(self) -> list[str]:
        """The construct paths at the end of the arguments (`ana/LabX`)."""
        return [a for a in self.argv if "/" in a and not a.startswith(("-", "/"))]

    def kind(self, path: str) -> str:
        return self.plan.get("stacks", {}).get(path.split("/")[0], "ok")

    # --- commands -----------------------------------------------------------------------

    def synth(self) -> int:
        context = dict(self.argv[i + 1].split("=", 1) for i, a in enumerate(self.argv) if a == "-c")
        out = Path(self.option("--output"))
        out.mkdir(parents=True, exist_ok=True)
        artifacts = {
            f"{name}{context['lab']}12345678": {
                "type": "aws:cloudformation:stack",
                "properties": {"stackName": f"{name}-{context['lab']}"},
            }
            for name in context["participants"].split(",")
        }
        (out / "manifest.json").write_text(json.dumps({"artifacts": artifacts}))
        time.sleep(self.plan.get("synth_seconds", 0))
        code = self.plan.get("synth_exit", 0)
        if code:
            say("error: unknown lab")
        return code

    def bootstrap(self) -> int:
        where = f"aws://{ACCOUNT}/{self.region}"
        say(f" ⏳  Bootstrapping environment {where}...")
        if self.profile in self.plan.get("bootstrap_fail", []):
            say(f"{self.profile}: AccessDenied for cloudformation:CreateChangeSet")
            return 1
        self.ssm.put_parameter(BOOTSTRAP_PARAMETER, "30")
        names = [s["StackName"] for s in self.cloudformation.describe_stacks()]
        if "CDKToolkit" not in names:
            self.cloudformation.create_stack("CDKToolkit", TEMPLATE)
        say(f" ✅  Environment {where} bootstrapped.")
        return 0

    def deploy_or_destroy(self) -> int:
        paths = self.stacks()
        if not self._bootstrapped():
            stack = paths[0].replace("/", "-")
            say(
                f"{stack}: SSM parameter {BOOTSTRAP_PARAMETER} not found in aws://{ACCOUNT}/"
                f"{self.region}. Has the environment been bootstrapped? Please run 'cdk "
                "bootstrap' (see https://docs.aws.amazon.com/cdk/latest/guide/bootstrapping.html)"
            )
            say(f"Parameter {BOOTSTRAP_PARAMETER} not found.")
            say(f"‣ SsmParameterNotFound: SSM parameter {BOOTSTRAP_PARAMETER} not found.")
            return 1
        for path in paths:
            stack = path.replace("/", "-")
            say(f"{stack}: start: Publishing {stack} Template (current_account-current_region)")
            say(f"{stack}: success: Published {stack} Template (current_account-current_region)")
        gate = threading.Semaphore(int(self.option("--concurrency", "1")))
        threads = []
        for index, path in enumerate(paths, start=1):
            gate.acquire()
            if self.failures:  # the CLI's work graph skips the rest after a failure
                gate.release()
                break
            thread = threading.Thread(target=self._one, args=(path, index, len(paths), gate))
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join()
        if self.failures:
            say(self.failures[-1])
            return 1
        return 0

    def _bootstrapped(self) -> bool:
        try:
            self.ssm.get_parameter(BOOTSTRAP_PARAMETER)
        except MotoError:
            return False
        return True

    def _one(self, path: str, index: int, total: int, gate: threading.Semaphore) -> None:
        try:
            if self.command == "deploy":
                self._deploy(path, index, total)
            else:
                self._destroy(path, index, total)
        finally:
            gate.release()

    def _deploy(self, path: str, index: int, total: int) -> None:
        stack, kind = path.replace("/", "-"), self.kind(path)
        display = f"{path} ({stack})"
        say(f"{display}: deploying... [{index}/{total}]")
        if kind == "error":
            self._fail(f"❌  {stack} failed: ValidationError: Template format error: bad value")
            return
        existing = self._stack(stack)
        if existing is not None and kind == "ok":
            say(f"\n✅  {display} (no changes)")
            return
        if kind == "stuck":  # what moto did to a change set: REVIEW_IN_PROGRESS for ever
            self.cloudformation.create_change_set(stack, "cdk-deploy", TEMPLATE)
            say(f"{stack}: creating stack...")
            while True:
                time.sleep(1)
        final = self.final(kind)
        if existing is None:
            say(f"{stack}: creating stack...")

            def create() -> str:
                return self.cloudformation.create_stack(stack, TEMPLATE)

            stack_id = self._progress(stack, create, "CREATE_IN_PROGRESS", final, kind)
        else:
            say(f"{stack}: updating stack...")
            stack_id = existing["StackId"]

            def update() -> str:
                self.cloudformation.update_stack(stack, UPDATED)
                return stack_id

            self._progress(stack, update, "UPDATE_IN_PROGRESS", final, kind, stack_id)
        if final and not self.plan.get("claims_success"):
            self._fail(f"❌  {stack} failed: DeploymentError: The stack named {stack} failed")
        else:
            say(f"\n✅  {display}")
            say(f"\n✨  Deployment time: {self._busy(kind):.2f}s")
            say(f"Stack ARN:\n{stack_id}")

    def _destroy(self, path: str, index: int, total: int) -> None:
        stack, kind = path.replace("/", "-"), self.kind(path)
        display = f"{path} ({stack})"
        say(f"{display}: destroying... [{index}/{total}]")
        existing = self._stack(stack)
        if existing is not None:
            final = self.final(kind)
            stack_id = existing["StackId"]

            def delete() -> str:
                if final is None:
                    self.cloudformation.delete_stack(stack)
                return stack_id

            self._progress(stack, delete, "DELETE_IN_PROGRESS", final, kind, stack_id)
            if final and not self.plan.get("claims_success"):
                self._fail(f" ❌  {display}: destroy failed Error: The stack named {stack} is in "
                           "a failed state: DELETE_FAILED")  # fmt: skip
                return
        say(f"✅  {display}: destroyed")

    @staticmethod
    def final(kind: str) -> str | None:
        """The status CloudFormation ends the stack in, if not what moto holds."""
        named = {
            "rollback": "ROLLBACK_COMPLETE",
            "update-rollback": "UPDATE_ROLLBACK_COMPLETE",
            "delete-failed": "DELETE_FAILED",
        }
        return named.get(kind) or (kind.removeprefix("final:") if ":" in kind else None)

    def _busy(self, kind: str) -> float:
        return float(self.plan.get("slow" if kind == "slow" else "busy", 0.3))

    def _progress(self, stack, submit, busy, final, kind, stack_id=None) -> str:
        """CloudFormation works on the stack for a while (the timeline), the CLI waits. The
        timeline holds the stack before moto does (which completes it at once), so nobody sees
        it complete too early; a new stack's id follows."""
        until = time.monotonic() + self._busy(kind)
        self.timeline.add(self.region, stack, stack_id, busy, until, final)
        submitted = submit()
        self.timeline.add(self.region, stack, submitted, busy, until, final, submitted=True)
        say(f"{stack} |   0 | 2:51:08 PM | {busy:<23} | AWS::CloudFormation::Stack | {stack}")
        time.sleep(max(until - time.monotonic(), 0))
        done = final or busy.replace("_IN_PROGRESS", "_COMPLETE")
        say(f"{stack} |   1 | 2:51:44 PM | {done:<23} | AWS::CloudFormation::Stack | {stack}")
        return submitted

    def _stack(self, stack: str) -> dict | None:
        for summary in self.cloudformation.describe_stacks():
            if summary["StackName"] == stack:
                return summary
        return None

    def _fail(self, line: str) -> None:
        with self.lock:
            self.failures.append(line)


def main() -> int:
    argv = [a for a in sys.argv[1:]]
    child = subprocess.Popen(["sleep", "300"])  # like the CLI's own children: in its group
    record(
        event="start", argv=argv, pid=os.getpid(), pgid=os.getpgid(0), sid=os.getsid(0),
        region=os.environ.get("AWS_REGION"), child=child.pid,
    )  # fmt: skip

    def stopped(signum, _frame):
        record(event="end", pid=os.getpid(), signal=signum)
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, stopped)
    cli = Cli(argv)
    handler = {"synth": cli.synth, "bootstrap": cli.bootstrap}.get(cli.command)
    code = handler() if handler else cli.deploy_or_destroy()
    record(event="end", pid=os.getpid(), code=code)
    child.kill()
    return code


if __name__ == "__main__":
    sys.exit(main())
