"""checkov as the tests run it: in `.venv-checkov`, with one lookup remembered.

    .venv-checkov/bin/python tests/checkov_run.py <checkov's arguments>

checkov's IAM checks (CKV_AWS_107 to 111 and others) hand each Allow statement to cloudsplaining,
which expands a service wildcard (`ec2:*`, `s3:*`) to every action of the service and asks
policy_sentry's database about each, one by one: about a million lookups for one participant's
sign-in template, over and over, since checkov keeps no analysis of a managed policy (it caches
inline policies only, by name) and five checks ask about the same statements. The answer
(`remove_wildcard_only_actions`: which of these actions can be restricted to a resource) depends
on the set of actions only, so it is remembered per set: the same findings, in 12 s instead of 30
(tests/test_checkov.py). Nothing else of checkov changes. Run as a script by the checkov venv's
Python; the project's tests call `run` (checkov is never imported there).
"""

from __future__ import annotations

import os
import subprocess
import sys
from functools import cache
from pathlib import Path

VENV_PYTHON = Path(__file__).resolve().parent.parent / ".venv-checkov" / "bin" / "python"
# No update check, no download of Bridgecrew's mapping: nothing leaves the machine.
OFFLINE = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}


def run(*arguments: str) -> subprocess.CompletedProcess[str]:
    """checkov with `arguments`, from a test (its JSON on stdout, `--soft-fail`: exit 0)."""
    if not VENV_PYTHON.exists():
        import pytest

        pytest.fail(".venv-checkov/ is missing: `make test` installs it")
    command = [str(VENV_PYTHON), __file__, *arguments]
    env = {**os.environ, **OFFLINE}
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    assert result.returncode == 0, f"checkov did not run:\n{result.stderr[-3000:]}"
    return result


def remember_wildcard_lookups() -> None:
    """Make cloudsplaining answer each set of actions once (its answer is a list, in no order
    of its own: it iterates a set)."""
    from cloudsplaining.scan import statement_detail
    from cloudsplaining.shared import utils

    lookup = utils.remove_wildcard_only_actions

    @cache
    def answer(actions: frozenset[str]) -> tuple[str, ...]:
        return tuple(lookup(sorted(actions)))

    def remembered(actions_list: list[str]) -> list[str]:
        return list(answer(frozenset(actions_list)))

    utils.remove_wildcard_only_actions = remembered
    statement_detail.remove_wildcard_only_actions = remembered  # imported by name there


def main() -> int:
    import warnings

    remember_wildcard_lookups()
    from checkov.main import Checkov

    with warnings.catch_warnings():  # as checkov's own entry point
        warnings.simplefilter("ignore", category=SyntaxWarning)
        return Checkov(sys.argv[1:]).run() or 0


if __name__ == "__main__":
    sys.exit(main())
