"""`make bench`: how long synth and tests take, against the floor of an empty CDK app.

Prints min/median/max wall-clock seconds of several runs, alternated (floor, make synth, ...,
then again), and the median CPU seconds (user + system of every process a command starts), of:
- floor: the pinned CDK CLI synthesizing an app with one empty stack (Node, Python, jsii start);
- floor tuned: the same, with jsii's Node started as our app starts it (bin/jsii-node's V8
  flags, course/node.py), measured with `make synth`: `make synth` / floor tuned is what the
  labs themselves cost, the tuned Node's saving taken out of the comparison;
- `make synth`: every lab, with cdk-nag and CDK's validation on;
- test suite: `make test` itself (lint, then every test: the rehearsals and Terraform applies
  too, the tests that handle time twice);
and each median's ratio to the floor's, in wall-clock and in CPU seconds. Targets (on the
wall-clock medians): synth <= 1.5x (#18), suite <= 6x (#10) and <= 120 s (#24). On a machine
other jobs load, the CPU seconds move less than the wall-clock ones: compare both.
After `make synth`: the bytes each lab's first deploy uploads to the CDK assets bucket (goal
<= 200 KB per lab, #18) and the size of cdk.out for all labs (goal < 1 MB).
Then the class report of 30 participants against one labcheck each (bench/class_report.py),
and the class runs: class-up and class-down of 30 against 1, today's runner and the class
engine side by side, time (medians of `--runs`) and peak memory (bench/class_runs.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import class_report  # bench/, next to this script
import class_runs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from course.node import JSII_NODE  # noqa: E402
from course.synthesized import directory_bytes, upload_bytes  # noqa: E402

PY = ROOT / ".venv" / "bin" / "python"
CDK = ROOT / "node_modules" / ".bin" / "cdk"
TARGETS = {"make synth": 1.5, "test suite": 6.0}
MAX_TEST_SECONDS = 120
MAX_UPLOAD_KB = 200
MAX_CDK_OUT_KB = 1024
EMPTY_APP = """\
import aws_cdk as cdk

app = cdk.App()
cdk.Stack(app, "Empty")
app.synth()
"""


def _floor_dir() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="bench-floor."))
    (folder / "app.py").write_text(EMPTY_APP)
    (folder / "cdk.json").write_text(json.dumps({"app": f"{PY} app.py", "versionReporting": False}))
    return folder


def _commands(floor: Path) -> dict[str, tuple[list[str], Path]]:
    synth_floor = [str(CDK), "synth", "--quiet", "--no-notices", "-o", "out"]
    return {
        "floor": (synth_floor, floor),
        TUNED_FLOOR: (["env", f"JSII_NODE={JSII_NODE}", *synth_floor], floor),
        "make synth": (["make", "--silent", "synth"], ROOT),
        "test suite": (["make", "--silent", "test"], ROOT),
    }


CLASS_REPORT = "class report"
CLASS_RUNS = "class runs"
OF_THEIR_OWN = {CLASS_REPORT, CLASS_RUNS}  # measured apart, with no floor
TUNED_FLOOR = "floor tuned"


@dataclass(frozen=True)
class Timing:
    """One run of a command: wall-clock seconds, and CPU seconds of every process it started."""

    wall: float
    cpu: float


def _children_cpu() -> float:
    """User + system CPU seconds of the finished child processes (and theirs) so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(command: list[str], cwd: Path, env: dict[str, str]) -> Timing:
    cpu_before = _children_cpu()
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return Timing(wall=elapsed, cpu=_children_cpu() - cpu_before)


def _alternated_times(
    names: list[str], commands: dict[str, tuple[list[str], Path]], runs: int, env: dict[str, str]
) -> dict[str, list[Timing]]:
    """Each command once per round, `runs` rounds: a change in the machine's load hits all."""
    times: dict[str, list[Timing]] = {name: [] for name in names}
    for _ in range(runs):
        for name in names:
            command, cwd = commands[name]
            times[name].append(_time(command, cwd, env))
    return times


def _print_sizes(outdir: Path) -> None:
    """What each lab's first deploy uploads, and cdk.out's size, in KB with the goals."""
    for lab, size in upload_bytes(outdir).items():
        verdict = "ok" if size <= MAX_UPLOAD_KB * 1024 else "MISSED"
        print(f"upload {lab:<17} {size / 1024:>6.0f} KB  <= {MAX_UPLOAD_KB} KB {verdict}")
    total = directory_bytes(outdir)
    verdict = "ok" if total < MAX_CDK_OUT_KB * 1024 else "MISSED"
    print(f"cdk.out, all labs       {total / 1024:>6.0f} KB  < {MAX_CDK_OUT_KB} KB {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each command (default 3)")
    parser.add_argument(
        "--only",
        nargs="*",
        help="measure only these (floor is always measured, unless only"
        f" {CLASS_REPORT!r} or {CLASS_RUNS!r}), e.g. 'make synth'",
    )
    parser.add_argument("--html", type=Path, help="write the 30-participant class report here")
    args = parser.parse_args()
    # Run each command as if typed in a shell, not as a sub-make of `make bench`.
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")},
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        "CDK_DISABLE_CLI_TELEMETRY": "true",
    }
    commands = _commands(_floor_dir())
    names = ["floor", *(n for n in commands if n != "floor" and (not args.only or n in args.only))]
    if "make synth" not in names and TUNED_FLOOR in names:
        names.remove(TUNED_FLOOR)
    elif "make synth" in names and TUNED_FLOOR not in names:
        names.insert(1, TUNED_FLOOR)
    if args.only and set(args.only) <= OF_THEIR_OWN:
        names = []
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"
    )
    times = _alternated_times(names, commands, args.runs, env)
    if names:
        print(
            f"{'':<12} {'min':>7} {'median':>7} {'max':>7} {'x floor':>8} "
            f"{'cpu':>7} {'x floor':>8}  target"
        )
    floor = floor_cpu = None
    medians = {}
    for name in names:
        walls = [timing.wall for timing in times[name]]
        median = statistics.median(walls)
        cpu = statistics.median(timing.cpu for timing in times[name])
        medians[name] = (median, cpu)
        floor, floor_cpu = floor or median, floor_cpu or cpu
        ratio = median / floor
        target = TARGETS.get(name)
        verdict = f"<= {target:g}x {'ok' if ratio <= target else 'MISSED'}" if target else ""
        print(
            f"{name:<12} {min(walls):>6.1f}s {median:>6.1f}s {max(walls):>6.1f}s "
            f"{ratio:>7.2f}x {cpu:>6.1f}s {cpu / floor_cpu:>7.2f}x  {verdict}",
            flush=True,
        )
    if "make synth" in names:
        (synth, synth_cpu), (tuned, tuned_cpu) = medians["make synth"], medians[TUNED_FLOOR]
        print(
            f"make synth / {TUNED_FLOOR}: {synth / tuned:.2f}x wall-clock, "
            f"{synth_cpu / tuned_cpu:.2f}x CPU (the same Node for both: the labs' own cost)"
        )
        _print_sizes(ROOT / "cdk.out")
    if "test suite" in medians:
        suite = medians["test suite"][0]
        verdict = "ok" if suite <= MAX_TEST_SECONDS else "MISSED"
        print(f"make test: {suite:.1f}s  <= {MAX_TEST_SECONDS} s {verdict}")
    if not args.only or CLASS_REPORT in args.only:
        class_report.bench(args.runs, args.html)
    if not args.only or CLASS_RUNS in args.only:
        class_runs.bench(env, args.runs)


if __name__ == "__main__":
    main()
