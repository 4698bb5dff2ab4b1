"""The class engine: a whole class deploys (or is destroyed) at once, by CloudFormation.

One synth for the class (`cdk synth -c lab=<LabId> -c participants=ana,ben,...` into
`cdk.out.class-<LabId>`), then, per account (a roster's profile, or the default credentials),
ONE CDK CLI process for all of that account's participants:

    cdk deploy --app cdk.out.class-<LabId> --concurrency N --method=direct
        --require-approval never --progress events ana/<LabId> ben/<LabId> ...
    cdk destroy --app cdk.out.class-<LabId> --concurrency N --force ana/<LabId> ben/<LabId> ...

Why this design, and not a CLI process per participant nor our own CloudFormation calls:
- CloudFormation is the engine made for it: it runs every stack it is given side by side. The
  client's only jobs are to publish the assets, submit the stacks and watch. A CLI process per
  participant is a Node process with the whole CDK toolkit (0.25-0.5 GB) holding a slot while
  CloudFormation works, so a laptop ran 4 at a time: a class of 30 in 8 rounds of a 20-minute
  RDS deploy. One process per account holds the whole class.
- The CLI publishes each asset once per account (every participant's stack has the same Lambda
  code; the CLI's work graph shares them) and does what boto3 calls of our own would have to
  redo: the bootstrap version check, asset publishing, template upload, stack parameters,
  replacing a stack left in ROLLBACK_COMPLETE, `destroy`'s dependency order.
- `--method=direct` creates and updates stacks without change sets (CreateStack/UpdateStack):
  two API calls fewer per stack, and moto (the tests, the bench, a trainer's rehearsal) can run
  a class side by side: its change sets are found by name across stacks, so concurrent change
  sets of different stacks were mixed up, and the old runner had to run one at a time there.
- `--concurrency N`: the whole class of the account (at most `MAX_STACKS_AT_ONCE`, or what
  `--concurrency` says). What bounds it is CloudFormation's and the services' API rate limits,
  not the laptop: throttling is retried with backoff (by the CLI's SDK, and by the watcher
  below, which shows it), never a failure.

The runner watches CloudFormation, not the CLI's exit code (classroom/watch.py: one listing of
the account per look, however large the class; a look every `POLL_SECONDS`, or at once when the
CLI prints its verdict on a stack). Success is each stack's state: only
CREATE_COMPLETE / UPDATE_COMPLETE is deployed (not UPDATE_ROLLBACK_COMPLETE: the old template
runs), only a stack that is gone (or DELETE_COMPLETE) is destroyed; any other state is FAILED,
with the reason from the stack or its latest failed event, or from the CLI's line about it
(e.g. "Has the environment been bootstrapped?"). A participant's stack is "submitted" once
CloudFormation shows it changed since a look taken before the run (a new StackId, a new
LastUpdatedTime, another status; for a destroy, deleting or gone); it has ended when it is no
longer in progress and was submitted or the CLI gave its verdict (✅/❌: "no changes" submits
nothing). One line per participant is printed as it ends (classroom/outcomes.py).

The CLI stops at a failure: it starts no stack it had not started yet (its work graph skips the
rest). With the whole class started at once that rarely matters, but when it happens the stacks
neither submitted nor failed by a line of their own get another CLI run, as long as each run
gets further; a run that submits nothing (an unbootstrapped region) ends them FAILED with the
CLI's words.

Time limit: a participant whose stack is still in progress after the lab's limit (its expected
minutes in course/sheets.py, plus half again, at least 5 minutes more: an ordinary slow day,
and the CLI's start and publishing on small labs) is reported TIMEOUT with its state, and the
run goes on. When every participant of an account has ended, its CLI gets half a minute to see
it and print its verdicts (the logs want them), or is stopped at once if it waits for a stack
past its limit.

Ctrl-C, SIGTERM, SIGHUP: classroom/stop_signals.py. The first stops the CLI processes
(CloudFormation continues what it was given) and watches the submitted stacks to their end;
the rest are "never started". The second stops watching, reads the states once and names the
stacks left in progress. Every CLI runs in a session of its own and no child outlives the
runner (classroom/cli_process.py).

Accounts (classroom/account_run.py): each runs in a thread of its own, with one CLI process at
a time; at most `MAX_CLI_PROCESSES` CLI processes run at once (memory; classroom/run_context.py).
When an account's stacks are all submitted and another account waits for a CLI, its CLI stops
and hands over: CloudFormation goes on and this runner watches. `bootstrap` (`BOOTSTRAP=1`):
`cdk bootstrap --app <assembly>` per account first, printing what it bootstrapped
(classroom/bootstrap.py).

Logs: the CLI's whole output per account and command
(`cdk.out.class-<LabId>.<up|down>[.<profile>].log`), and per participant, lab and command
(`cdk.out.<participant>.<LabId>.<up|down>.log`): the CLI's lines that name the stack, then the
stack's events once it has ended.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from classroom.account_run import AccountPart, AccountRun
from classroom.cdk_commands import synth_command
from classroom.outcomes import NOT_STARTED, ClassRun, Result, duration
from classroom.run_context import RunContext
from classroom.words import counted
from course.config import LabSettings


class Engine(RunContext):
    """Runs `action` of `lab_id` for every account of a class (see the module's docstring and
    `RunContext` for the options)."""

    def run(self, settings: Sequence[LabSettings], accounts: Sequence[AccountPart]) -> ClassRun:
        """Synthesize the class once, then run every account's part; results in the order of
        `settings` (the class), each line printed as that participant's part ends."""
        with self.stops.installed():
            if not self._synth(settings):
                names = [(s.participant or "", s.stack_name(self.lab_id)) for s in settings]
                results = [Result(name, stack, NOT_STARTED) for name, stack in names]
                return ClassRun(results, self.stops.stopping)
            with ThreadPoolExecutor(len(accounts) or 1, thread_name_prefix="account") as pool:
                parts = list(pool.map(lambda account: AccountRun(self, account).run(), accounts))
        by_name = {r.participant: r for part in parts for r in part}
        return ClassRun([by_name[s.participant or ""] for s in settings], self.stops.stopping)

    def _synth(self, settings: Sequence[LabSettings]) -> bool:
        """One synth for the class; False if it failed or a stop signal came."""
        log = self.work_dir / f"{self.assembly.name}.log"
        log.write_text("")
        self.say(
            f"synth: {counted(len(settings), 'stack')} of {self.lab_id} into {self.assembly.name}/"
        )
        started = self.clock()
        command = synth_command(self.cdk, self.action, self.lab_id, settings, self.assembly)
        self.stops.synthesizing = True
        lines: list[str] = []
        try:
            synth = self.cli(command, log, lines.append)
        except OSError as error:
            self.say(f"FAILED  synth: could not run the CDK CLI: {error}")
            return False
        forget = self.stops.on_first(synth.stop)
        try:
            code = synth.wait()
        finally:
            forget()
            self.stops.synthesizing = False
        if self.stops.stopping:
            return False
        if code != 0:
            last = next((line.strip() for line in reversed(lines) if line.strip()), "")
            self.say(f"FAILED  synth exit {code}, see {log.name}" + (f": {last}" if last else ""))
            return False
        self.say(f"synth: done in {duration(self.clock() - started)}")
        return True
