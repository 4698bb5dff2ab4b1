"""The CDK runner (issue #14): each CDK CLI run in a session of its own, stopped at once on a
second Ctrl-C. What the class run does on Ctrl-C: tests/classroom/test_run.py."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

from classroom import runner


def test_cdk_runs_in_a_session_of_its_own_so_the_terminals_ctrl_c_does_not_reach_it(tmp_path):
    command = [sys.executable, "-c", "import os; print(os.getsid(0), os.getpid())"]
    assert runner.CdkRunner()(command, tmp_path / "log") == 0
    session, pid = (tmp_path / "log").read_text().splitlines()[1].split()
    assert session == pid != str(os.getsid(0)), "the child leads a new session"


def test_cdk_runner_stop_ends_every_running_command(tmp_path):
    cdk = runner.CdkRunner()
    codes: list[int] = []
    command = [sys.executable, "-c", "import time; time.sleep(60)"]
    threads = [
        threading.Thread(target=lambda i=i: codes.append(cdk(command, tmp_path / f"{i}.log")))
        for i in range(2)
    ]
    for thread in threads:
        thread.start()
    while len(cdk._running) < 2:
        time.sleep(0.05)
    cdk.stop()
    for thread in threads:
        thread.join(timeout=20)
    assert codes == [-signal.SIGTERM] * 2
    assert cdk(command, tmp_path / "late.log") == runner.EXIT_INTERRUPTED, (
        "nothing starts after a stop"
    )
