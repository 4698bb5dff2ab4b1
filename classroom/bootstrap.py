"""`BOOTSTRAP=1`: `cdk bootstrap` of each account before its first deploy, saying what it did.

Given no environment, the CLI bootstraps those of the app's stacks, resolving an
environment-agnostic stack's `aws://unknown-account/unknown-region` to the profile's account
and region (checked in the pinned CLI: `defineEnvironments`, `globEnvironmentsFromStacks`);
`--app` reads the class's assembly instead of synthesizing the app again. The line printed
names the environments the CLI bootstrapped (its `aws://<account>/<region>` lines) and the
CDKToolkit stack's status read back from CloudFormation:

    bootstrap default credentials: aws://123456789012/us-east-1, CDKToolkit CREATE_COMPLETE
      (cdk.out.bootstrap-default.log)

A failed bootstrap fails that account's participants (one line each, with the log's last
line); the other accounts go on.
"""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from classroom.cdk_commands import bootstrap_command
from classroom.preflight import account_label
from classroom.run_context import RunContext

TOOLKIT_STACK = "CDKToolkit"
ENVIRONMENT = re.compile(r"aws://[^/\s]+/[\w-]+")


def bootstrap_account(engine: RunContext, account: Any, owner: object) -> str | None:
    """Bootstrap `account` (an `AccountPart`: its target and client) in a CLI slot of
    `owner`'s; None when done, else why not."""
    if not engine.slots.wait_for(owner, engine.stops.first.is_set):
        return None  # a stop signal: nothing starts
    name = account.target.profile or "default"
    log = engine.work_dir / f"cdk.out.bootstrap-{name}.log"
    log.write_text("")
    lines: list[str] = []
    command = account.target.wrap(bootstrap_command(engine.cdk, engine.assembly))
    try:
        try:
            cli = engine.cli(command, log, lines.append)
        except OSError as error:
            return f"could not run the CDK CLI: {error}"
        forget = engine.stops.on_first(cli.stop)
        try:
            code = cli.wait()
        finally:
            forget()
    finally:
        engine.slots.leave(owner)
    environments = list(dict.fromkeys(e for line in lines for e in ENVIRONMENT.findall(line)))
    status = toolkit_status(account.client)
    named = ", ".join(environments) or "no environment named"
    engine.say(
        f"bootstrap {account_label(account.target.profile)}: {named}, {TOOLKIT_STACK} {status}"
        f" ({log.name})"
    )
    if code == 0:
        return None
    last = next((line.strip() for line in reversed(lines) if line.strip()), "")
    return f"bootstrap exit {code}, see {log.name}" + (f": {last}" if last else "")


def toolkit_status(client: Any) -> str:
    """The CDKToolkit stack's status, as the account's CloudFormation lists it."""
    try:
        stacks = client.describe_stacks(StackName=TOOLKIT_STACK)["Stacks"]
    except ClientError as error:
        return "does not exist" if "does not exist" in str(error) else f"unknown ({error})"
    except BotoCoreError as error:
        return f"unknown ({error})"
    return stacks[0]["StackStatus"]
