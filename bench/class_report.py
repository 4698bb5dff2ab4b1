"""`make bench`, class report: 30 participants, one report against one labcheck per participant.

A local moto server (free port) holds a class of 30 in LabDynamoDbUsers: 21 done, 4 without the
index, 3 without John Doe, 2 not deployed. Timed, each as a trainer runs it:
- `labcheck x30`: `python -m labcheck LabDynamoDbUsers --participant pNN`, one after the other
  (what `make check ... PARTICIPANT=...` per student means today);
- `report, 1 at a time`: `python -m classroom.report --concurrency 1` (one process, no threads);
- `report`: `python -m classroom.report` as `make class-report` runs it (8 at a time).
moto answers in about a millisecond where AWS takes 20-100 ms a call, so the threads gain far
more against a real account than here; the process start-ups saved are the same.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / "bin" / "python"
LAB = "LabDynamoDbUsers"
REGION = "us-east-1"
PARTICIPANTS = [f"p{n:02d}" for n in range(1, 31)]
SEED = json.loads((ROOT / "labs" / "dynamodb_users" / "john_doe.json").read_text())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def moto_server():
    """moto on a free loopback port; yields the environment that points every client at it."""
    port = _free_port()
    server = subprocess.Popen(
        [str(PY), "-m", "moto.server", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://localhost:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            sys.exit(f"moto server did not start on port {port}")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
        env |= {
            "AWS_ENDPOINT_URL": url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": "/nonexistent",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        }
        yield env
    finally:
        server.terminate()
        server.wait(timeout=10)


def seed_class(env: dict[str, str]) -> None:
    """The class in moto: stacks with the lab's outputs and the tables they name."""
    import boto3

    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    ddb = session.client("dynamodb", endpoint_url=env["AWS_ENDPOINT_URL"])
    cfn = session.client("cloudformation", endpoint_url=env["AWS_ENDPOINT_URL"])
    john_doe = {**SEED, "name": {"S": "John Doe"}}
    for n, who in enumerate(PARTICIPANTS):
        if n >= 28:
            continue  # not deployed
        with_index, with_item = not 21 <= n < 25, not 25 <= n < 28
        table = f"{who}-Users"
        ddb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "email", "KeyType": "HASH"}],
            AttributeDefinitions=[
                {"AttributeName": a, "AttributeType": "S"}
                for a in ("email", "name")[: 1 + with_index]
            ],
            BillingMode="PAY_PER_REQUEST",
            **(
                {
                    "GlobalSecondaryIndexes": [
                        {
                            "IndexName": "name-index",
                            "KeySchema": [{"AttributeName": "name", "KeyType": "HASH"}],
                            "Projection": {"ProjectionType": "ALL"},
                        }
                    ]
                }
                if with_index
                else {}
            ),
        )
        if with_item:
            ddb.put_item(TableName=table, Item=john_doe)
        template = {
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {
                "TableName": {"Value": table},
                "IndexName": {"Value": "name-index"},
                "ExpiresAt": {"Value": "2026-11-26T18:00:00Z"},
            },
        }
        cfn.create_stack(StackName=f"{who}-{LAB}", TemplateBody=json.dumps(template))


def _seconds(run: Callable[[], None], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times


def bench(runs: int, html: Path | None = None) -> None:
    """Print the three timings (min/median/max) and each median's ratio to labcheck x30."""
    with moto_server() as env:
        seed_class(env)

        def run(command: list[str], ok=(0, 1)) -> None:
            result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
            if result.returncode not in ok:
                sys.exit(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}{result.stderr}")

        def labcheck_each() -> None:
            for who in PARTICIPANTS:
                run([str(PY), "-m", "labcheck", LAB, "--participant", who], ok=(0, 1, 2))

        report = [str(PY), "-m", "classroom.report", "--lab", LAB, "--participants"]
        report.append(" ".join(PARTICIPANTS))
        timings = {
            f"labcheck x{len(PARTICIPANTS)}": _seconds(labcheck_each, runs),
            "report, 1 at a time": _seconds(lambda: run([*report, "--concurrency", "1"]), runs),
            "report": _seconds(
                lambda: run([*report, *(["--html", str(html)] if html else [])]), runs
            ),
        }
    print(f"\nclass report, {len(PARTICIPANTS)} participants of {LAB} on moto:")
    base = None
    for name, times in timings.items():
        median = statistics.median(times)
        base = base or median
        print(
            f"{name:<20} {min(times):>6.1f}s {median:>6.1f}s {max(times):>6.1f}s "
            f"{median / base:>7.2f}x",
            flush=True,
        )
