"""The Node.js that jsii runs for the CDK app: course/node.py and bin/jsii-node.

What the flags save is measured by `make bench` (README, Development), not here.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import aws_cdk  # noqa: F401 - starts jsii's Node process, as the app and the tests do
import pytest

from course.node import configure_jsii_node
from tests.synth import ROOT

FLAGS = ["--single-threaded-gc", "--liftoff-only"]


def test_jsii_runs_bin_jsii_node_unless_the_user_chose_a_node(monkeypatch):
    monkeypatch.delenv("JSII_NODE", raising=False)
    configure_jsii_node()
    assert os.environ["JSII_NODE"] == str(ROOT / "bin" / "jsii-node")

    monkeypatch.setenv("JSII_NODE", "/opt/node-24/bin/node")
    configure_jsii_node()
    assert os.environ["JSII_NODE"] == "/opt/node-24/bin/node"


def test_bin_jsii_node_is_node_with_the_flags():
    # Node refuses a flag its V8 does not know: a Node release without them fails here.
    result = subprocess.run(
        [ROOT / "bin" / "jsii-node", "-p", "JSON.stringify(process.execArgv.slice(0, -2))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout) == FLAGS  # the flags before -p and its script


def _children(pid: int) -> dict[int, list[str]]:
    """The command lines of the processes whose parent is `pid`, by process id."""
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError):
            continue  # the process ended meanwhile
        if parent == pid:
            children[int(stat.parent.name)] = [part.decode() for part in command if part]
    return children


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads command lines from /proc")
def test_jsiis_kernel_process_runs_with_the_flags():
    """jsii's runtime starts the kernel (program.js) with its own flags: the flags must reach it."""
    (runtime,) = [
        pid
        for pid, command in _children(os.getpid()).items()
        if any(part.endswith("jsii-runtime.js") for part in command)
    ]
    (kernel,) = _children(runtime).values()
    assert kernel[-1].endswith("program.js"), kernel
    assert set(FLAGS) <= set(kernel), kernel
