"""moto's server on a free loopback port, for tests that need a real HTTP endpoint.

A free port, never a fixed one: other test runs may use the machine at the same time. The
server listens on 127.0.0.1; clients use `http://localhost:<port>` (moto resolves an S3
TemplateURL's bucket from the URL path only for the host `localhost`).
"""

from __future__ import annotations

import ctypes
import os
import signal
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
PR_SET_PDEATHSIG = 1  # linux/prctl.h
# Loaded here: the forked child may run no import (another thread may hold the import lock).
LIBC = ctypes.CDLL(None) if sys.platform.startswith("linux") else None


def _ends_with_its_parent() -> None:
    """In the server's process, before it starts: SIGTERM when the test process that started it
    dies (a pytest worker killed or crashed never runs its teardown). Linux only; elsewhere the
    teardown alone stops the server."""
    if LIBC is not None:
        LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


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
        preexec_fn=_ends_with_its_parent,
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


def moto_environment(endpoint: str, region: str) -> dict[str, str]:
    """The environment of every CLI and boto3 call against the server: moto, dummy credentials,
    nothing real. No profile, token or real endpoint leaks in; nor the Makefile's Node
    settings: the project's own must hold for `npx cdk` run from a shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_", "JSII_"))}
    return env | {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        "AWS_EC2_METADATA_DISABLED": "true",
        "CDK_DISABLE_CLI_TELEMETRY": "true",
        "CDK_DISABLE_VERSION_CHECK": "1",
    }
