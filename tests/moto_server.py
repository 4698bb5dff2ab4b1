"""moto's server on a free loopback port, for tests that need a real HTTP endpoint.

A free port, never a fixed one: other test runs may use the machine at the same time. The
server listens on 127.0.0.1; clients use `http://localhost:<port>` (moto resolves an S3
TemplateURL's bucket from the URL path only for the host `localhost`).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

SERVER_START_TIMEOUT = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def moto_server(log_file: Path) -> Iterator[str]:
    """Start moto's server, yield its URL, stop it; its output goes to `log_file`."""
    port = free_port()
    log = log_file.open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://localhost:{port}"
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        try:
            urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=1).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                log.close()
                pytest.fail(f"moto server did not start on port {port}: see {log_file}")
            time.sleep(0.2)
    try:
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
