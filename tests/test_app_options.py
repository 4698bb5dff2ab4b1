"""The app's options read as the CDK CLI hands them over (course/app_options.py), and app.py
stopping on a bad one before aws-cdk-lib loads."""

import json
import os
import subprocess
import sys

from course.app_options import CONTEXT_ENV, CONTEXT_OVERFLOW_ENV, AppOptions, cli_context
from course.config import LabSettings, Selection
from tests.synth import ROOT

# Runs app.py as the CLI does, then says how it stopped and whether aws_cdk was ever imported.
RUN_APP = """
import runpy, sys
try:
    runpy.run_path("app.py", run_name="__main__")
except SystemExit as stop:
    print(stop.code)
print("aws_cdk loaded" if "aws_cdk" in sys.modules else "aws_cdk not loaded")
"""
# aws-cdk-lib's own reading of the same environment: the judge of `cli_context`.
CDK_READS = """
import json
from course.node import configure_jsii_node
configure_jsii_node()
from aws_cdk import App
context = App().node.get_all_context()
print(json.dumps({k: v for k, v in context.items() if not k.startswith("aws:cdk:")}))
"""


def _environment(tmp_path) -> dict[str, str]:
    overflow = tmp_path / "context.json"
    overflow.write_text(json.dumps({"participants": "ana,ben", "lab": "LabBackup"}))
    env = {k: v for k, v in os.environ.items() if k not in (CONTEXT_ENV, CONTEXT_OVERFLOW_ENV)}
    env[CONTEXT_ENV] = json.dumps({"lab": "LabS3Lifecycle", "read_replica": "true"})
    env[CONTEXT_OVERFLOW_ENV] = str(overflow)
    return env


def test_the_cli_context_is_merged_as_aws_cdk_lib_merges_it(tmp_path):
    env = _environment(tmp_path)
    ours = cli_context(env)
    assert ours == {"lab": "LabBackup", "read_replica": "true", "participants": "ana,ben"}
    theirs = subprocess.run(
        [sys.executable, "-c", CDK_READS], cwd=ROOT, env=env, capture_output=True, text=True,
        check=True,
    ).stdout  # fmt: skip
    assert json.loads(theirs) == ours


def test_no_context_in_the_environment_is_an_empty_one():
    assert cli_context({}) == {}


def test_the_options_of_a_class():
    options = AppOptions.from_context({"lab": "LabAccess", "participants": "ana,ben"})
    assert options.selection == Selection(lab="LabAccess", participants=("ana", "ben"))
    assert options.settings == LabSettings()


def test_app_py_stops_on_a_bad_option_before_aws_cdk_lib_loads():
    env = {**os.environ, CONTEXT_ENV: json.dumps({"read_replica": "maybe"})}
    result = subprocess.run(
        [sys.executable, "-c", RUN_APP], cwd=ROOT, env=env, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    assert result.stdout.splitlines() == [
        "error: invalid context read_replica='maybe': use true or false",
        "aws_cdk not loaded",
    ]
