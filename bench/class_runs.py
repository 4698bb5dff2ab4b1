"""`make bench`, class runs: class-up and class-down of 30 participants against 1, today's runner
and the class engine (issue #27) side by side, on a local moto server.

Today's runner is the code of the last commit before the engine (`BEFORE`), checked out in a
git worktree of its own (its `.venv` and `node_modules` linked to this project's), so no old
code stays in the tree; it runs one participant at a time (`--concurrency 1`), as it had to on
moto. The engine runs the whole class at once. Each run is timed (wall clock) and its memory
sampled every 0.1 s: the resident memory of the runner and every process under it (the CDK
CLI, a synth's Python and jsii), summed; the peak is what the laptop needs. moto's server is
not counted (it stands for AWS). The stacks' custom resources are answered as their Lambda
functions would (tests/moto_custom_resources.py): moto runs no Lambda here.

Goals: 30 participants within 3x the time of 1, and a peak of at most 1.5 GB.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import class_report  # bench/, next to this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.moto_custom_resources import CustomResourceAnswers  # noqa: E402

PY = ROOT / ".venv" / "bin" / "python"
CDK = ROOT / "node_modules" / ".bin" / "cdk"
LAB = "LabS3Lifecycle"
SIZES = (1, 30)
# Today's runner: the last commit before the engine, and how it is run there.
BEFORE = "4530b1c"  # main with #24, before the engine (#27)
RUNNERS = {
    "today's runner": (BEFORE, "classroom.run", ["--concurrency", "1"]),
    "the engine": (None, "classroom.run", []),
}
MAX_RATIO = 3.0
MAX_PEAK_GB = 1.5
SAMPLE_SECONDS = 0.1
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_bytes: int


@contextmanager
def checkout(revision: str) -> Iterator[Path]:
    """`revision` in a worktree of its own, sharing this project's .venv and node_modules."""
    folder = Path(tempfile.mkdtemp(prefix="bench-before.")) / "tree"
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(folder), revision],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    try:
        for shared in (".venv", "node_modules"):
            (folder / shared).symlink_to(ROOT / shared)
        yield folder
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT, capture_output=True
        )
        shutil.rmtree(folder.parent, ignore_errors=True)


def _tree(root: int) -> list[int]:
    """`root` and every process under it (whatever session it leads)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, ValueError, IndexError):
        return 0


def measure(command: list[str], cwd: Path, env: dict[str, str], log: Path) -> Measured:
    """Run `command`; its wall time and the peak of its process tree's summed memory."""
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        peak = 0
        while process.poll() is None:
            peak = max(peak, sum(_rss(pid) for pid in _tree(process.pid)))
            time.sleep(SAMPLE_SECONDS)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({process.returncode}): see {log}")
    return Measured(seconds, peak)


def _run_all(
    env: dict[str, str], work: Path, runs: int
) -> dict[tuple[str, str, int], list[Measured]]:
    results: dict[tuple[str, str, int], list[Measured]] = {}
    for index, (runner, (revision, module, options)) in enumerate(RUNNERS.items()):
        logs = work / f"runner-{index}"
        logs.mkdir()
        with checkout(revision) if revision else _here() as tree:
            for size in SIZES:
                names = " ".join(f"p{n:02d}" for n in range(1, size + 1))
                for run in range(runs):
                    for verb in ("up", "down"):
                        command = [str(PY), "-m", module, verb, "--lab", LAB, "--participants",
                                   names, *options, "--work-dir", str(logs)]  # fmt: skip
                        log = logs / f"bench.{verb}.{size}.{run}.log"
                        measured = measure(command, tree, env, log)
                        results.setdefault((runner, verb, size), []).append(measured)
                print(f"  {runner}, class-up and class-down {size}: done", flush=True)
    return results


@contextmanager
def _here() -> Iterator[Path]:
    yield ROOT


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def bench(base_env: dict[str, str], runs: int = 1) -> None:
    """Print the class runs' wall times (median of `runs`) and peaks, and the goals."""
    print(
        f"\nclass runs, {LAB} on moto, medians of {runs} (load average before: {_load()}):",
        flush=True,
    )
    work = Path(tempfile.mkdtemp(prefix="bench-class."))
    with class_report.moto_server() as server_env:
        env = {k: v for k, v in base_env.items() if not k.startswith(("AWS_", "CDK_"))}
        env |= {k: v for k, v in server_env.items() if k.startswith("AWS_")}
        env |= {
            "AWS_REGION": class_report.REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            "CDK_DISABLE_CLI_TELEMETRY": "true",
            "CDK_DISABLE_VERSION_CHECK": "1",
        }
        subprocess.run(
            [str(CDK), "bootstrap", f"aws://123456789012/{class_report.REGION}"],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        with CustomResourceAnswers(env["AWS_ENDPOINT_URL"], (class_report.REGION,)):
            results = {
                key: Measured(
                    statistics.median(m.seconds for m in measured),
                    max(m.peak_bytes for m in measured),
                )
                for key, measured in _run_all(env, work, runs).items()
            }
    print(f"{'':<14}" + "".join(f"{runner:>26}" for runner in RUNNERS))
    for verb in ("up", "down"):
        for size in SIZES:
            cells = [results[(runner, verb, size)] for runner in RUNNERS]
            row = "".join(f"{m.seconds:>13.1f} s {m.peak_bytes / 2**30:>7.2f} GB" for m in cells)
            print(f"class-{verb} {size:<5}{row}")
        for runner in RUNNERS:
            one, many = (results[(runner, verb, size)] for size in SIZES)
            ratio = many.seconds / one.seconds
            peak = max(m.peak_bytes for m in (one, many)) / 2**30
            verdict = "ok" if ratio <= MAX_RATIO and peak <= MAX_PEAK_GB else "MISSED"
            print(
                f"  {runner}, class-{verb}: {SIZES[-1]} in {ratio:.1f}x the time of "
                f"{SIZES[0]} (goal <= {MAX_RATIO:g}x), peak {peak:.2f} GB (goal <= "
                f"{MAX_PEAK_GB:g} GB): {verdict}"
            )
    print(f"load average after: {_load()}; logs in {work}")
