"""Prints the stacks of a synthesized cloud assembly: `python -m course.synthesized cdk.out`.

`upload_bytes` measures what a first deploy of each stack uploads to the CDK assets bucket:
every file asset of the stack's asset manifest (`<stack>.assets.json`), the template included,
uncompressed (a directory asset counts the bytes of its files; CDK zips it on upload).
"""

import json
import sys
from pathlib import Path


def _stacks(outdir: Path) -> dict[str, str]:
    """Stack name by artifact id."""
    manifest = json.loads((outdir / "manifest.json").read_text())
    return {
        artifact_id: artifact["properties"].get("stackName", artifact_id)
        for artifact_id, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    }


def directory_bytes(path: Path) -> int:
    """Bytes of a file, or of every file under a directory."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def upload_bytes(outdir: Path) -> dict[str, int]:
    """Bytes of the file assets each stack's first deploy uploads, by artifact id."""
    sizes = {}
    for artifact_id in _stacks(outdir):
        assets = json.loads((outdir / f"{artifact_id}.assets.json").read_text())
        sizes[artifact_id] = sum(
            directory_bytes(outdir / asset["source"]["path"]) for asset in assets["files"].values()
        )
    return sizes


def main(outdir: str) -> None:
    stacks = _stacks(Path(outdir))
    print(f"Synthesized {len(stacks)} lab stacks into {outdir}/:")
    for artifact_id, stack_name in stacks.items():
        print(f"  {artifact_id:<20} stack {stack_name:<30} {artifact_id}.template.json")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "cdk.out")
