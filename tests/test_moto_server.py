"""The tests' moto server (tests/moto_server.py) ends with the test process that started it."""

import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.synth import ROOT

# A test process that starts a server, says where, and waits to be killed.
STARTS_A_SERVER = """
import sys, threading
from pathlib import Path
from tests.moto_server import moto_server
with moto_server(Path(sys.argv[1])) as url:
    print(url, flush=True)
    threading.Event().wait()
"""


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=1).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_killed_test_process_takes_its_server_along(tmp_path):
    """SIGKILL runs no teardown: the server stops all the same (the kernel's parent-death
    signal), where it would otherwise answer on for ever."""
    test = subprocess.Popen(
        [sys.executable, "-c", STARTS_A_SERVER, str(tmp_path / "server.log")],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = test.stdout.readline().strip()
    assert _answers(url)
    test.send_signal(signal.SIGKILL)
    test.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _answers(url) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _answers(url), "the server outlived the test process that started it"
