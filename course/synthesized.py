"""Prints the stacks of a synthesized cloud assembly: `python -m course.synthesized cdk.out`."""

import json
import sys
from pathlib import Path


def main(outdir: str) -> None:
    manifest = json.loads((Path(outdir) / "manifest.json").read_text())
    stacks = {
        artifact_id: artifact["properties"].get("stackName", artifact_id)
        for artifact_id, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    }
    print(f"Synthesized {len(stacks)} lab stacks into {outdir}/:")
    for artifact_id, stack_name in stacks.items():
        print(f"  {artifact_id:<20} stack {stack_name:<30} {artifact_id}.template.json")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "cdk.out")
