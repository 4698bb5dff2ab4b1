"""Set-up as a newcomer meets it: labcheck's small environment, and `npx cdk` before set-up."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.make_runner import run_make
from tests.synth import ROOT

# What `pip install -r requirements-labcheck.txt` (boto3 1.44) brings, and nothing else.
LABCHECK_DISTRIBUTIONS = {
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "python-dateutil",
    "six",
    "urllib3",
    "certifi",  # optional: botocore uses its CA bundle when it is installed, else the system's
}


def _imported_after(statement: str) -> tuple[set[str], set[str]]:
    """(top-level modules, their distributions) that `statement` imports in a fresh interpreter
    (not those the interpreter loaded before it, such as a venv's `.pth` hooks)."""
    probe = f"""
import json, sys
from importlib.metadata import packages_distributions
before = set(sys.modules)
{statement}
tops = sorted({{name.split(".")[0] for name in set(sys.modules) - before}})
dists = packages_distributions()
print(json.dumps([tops, sorted({{d for top in tops for d in dists.get(top, [])}})]))
"""
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    tops, distributions = json.loads(result.stdout)
    return set(tops), {name.lower() for name in distributions}


def test_labcheck_imports_no_cdk():
    """labcheck and every lab's checks load without aws-cdk-lib, jsii or cdk-nag."""
    modules, _ = _imported_after("import labcheck.cli")
    assert "labcheck" in modules
    assert modules.isdisjoint({"aws_cdk", "jsii", "constructs", "cdk_nag"})


def test_labcheck_needs_only_what_requirements_labcheck_installs():
    _, distributions = _imported_after("import labcheck.cli")
    assert distributions <= LABCHECK_DISTRIBUTIONS, (
        f"labcheck imports {sorted(distributions - LABCHECK_DISTRIBUTIONS)}: add them to"
        " requirements-labcheck.txt, or do without"
    )


def test_the_app_and_the_tests_share_labchecks_boto3_pin():
    assert (ROOT / "requirements-labcheck.txt").read_text().splitlines()[-1] == "boto3==1.44.8"
    requirements = (ROOT / "requirements.txt").read_text().splitlines()
    assert "-r requirements-labcheck.txt" in requirements
    assert not [line for line in requirements if line.startswith("boto3")]


def _make(*args: str) -> str:
    """What `make ARGS` prints, stdout then stderr (set-up prints its steps to stderr)."""
    result = run_make(*args)
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


def test_make_check_installs_only_labchecks_requirements():
    dry_run = _make("-n", "-B", "check", "LAB=LabS3Lifecycle")
    assert "-r requirements-labcheck.txt" in dry_run
    assert "requirements-dev.txt" not in dry_run
    assert "-r requirements.txt" not in dry_run
    assert "npm ci" not in dry_run


@pytest.fixture
def fresh_clone(tmp_path) -> Path:
    """The project's npm files without node_modules/ and .venv/, as a clone has them."""
    clone = tmp_path / "clone"
    clone.mkdir()
    for name in ("package.json", "package-lock.json", "cdk.json", "bin"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, clone / name)
        else:
            shutil.copy(source, clone / name)
    return clone


def test_npx_cdk_before_set_up_says_to_run_make_synth(fresh_clone):
    """npx runs the project's own bin (package.json), offline, instead of offering to install
    an unpinned CDK CLI."""
    # npx links the project into its cache: a cache of this test's own, not the user's
    env = {**os.environ, "npm_config_cache": str(fresh_clone.parent / "npm-cache")}
    result = subprocess.run(
        ["npx", "--no-install", "cdk", "deploy", "LabS3Lifecycle"],
        cwd=fresh_clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "error: the project is not set up: no node_modules/ (the pinned CDK CLI) and no .venv/"
        " (the Python packages the app needs). Run `make synth` first (once, about 2 minutes),"
        " then this command again."
    )


def test_every_set_up_step_says_what_it_installs_and_how_long_it_takes():
    """`-B -n`: what a first run would do (every step), without doing it."""
    first_run = _make("-n", "-B", "setup-test", "PYTHON=python3")
    *steps, total = re.findall(r'echo "==> (.*)"', first_run)
    assert total.startswith("Set-up done in")
    assert [re.sub(r" \(.*", "", step) for step in steps] == [
        "Creating the Python environment .venv/",
        "Installing the app and the test tools into .venv/",
        "Installing the pinned CDK CLI into node_modules/",
        "Installing checkov into .venv-checkov/ for the tests",
        "Installing Terraform and the AWS provider for the tests into .venv/",
    ]
    assert all(re.search(r"\(.*about \d+ s", step) for step in steps), steps
    assert "--quiet" not in first_run  # pip's and npm's progress shows


def test_set_up_with_nothing_to_install_prints_nothing():
    _make("setup-labcheck")  # installs boto3 if its pin changed since the last run
    assert _make("setup-labcheck") == ""


def test_the_app_prints_its_error_without_jsiis_node_banner(tmp_path):
    """What `npx cdk synth -c participant=Ana` shows under Node 20: the one line that matters
    (the CLI runs app.py with the context in CDK_CONTEXT_JSON), without the Makefile's or the
    tests' variables."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("JSII_", "CDK_", "AWS_"))
    }
    env.update(CDK_CONTEXT_JSON=json.dumps({"participant": "Ana"}), CDK_OUTDIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: invalid context participant='Ana': use 1-20")
    assert "end-of-life" not in result.stdout + result.stderr
