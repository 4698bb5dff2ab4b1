"""Answers the custom resources of stacks in a moto server, as their Lambda functions would.

moto invokes a custom resource's function only in Docker (not here), and a stack created
without a change set (the class engine's `--method=direct`) then stays CREATE_IN_PROGRESS,
waiting for the function's answer. `CustomResourceAnswers` gives that answer for every
`Custom::*` resource of every stack being created, again on each look until it is created:
SUCCESS, no data, posted to moto's response URL
(`{endpoint}/cloudformation_{region}/cfnresponse?stack={stack_id}`, what moto passes the
function as `ResponseURL`; moto's cloudformation/responses.py `process_cfn_response`). The
functions' work (auto-deleting objects, writing a test file) is not done: the template
assertions of each lab cover what they do. moto deletes a stack at once without asking its
custom resources, so deletes need no answer.

Used by the rehearsal of the class engine, by `make bench`, and by a trainer rehearsing a class
on moto (README, "Rehearsing a class on moto"):

    .venv/bin/python -m tests.moto_custom_resources http://localhost:5123 [REGION ...]
"""

from __future__ import annotations

import json
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import suppress
from typing import Any

import boto3

POLL_SECONDS = 0.3
# moto lists a stack while CreateStack is still building its resources, lazily; an answer in
# that time makes moto build the custom resource a second time, and the stack never completes
# (seen in the rehearsal). CreateStack of a lab takes well under a second on moto: answers wait
# this long after a stack first shows.
SETTLE_SECONDS = 3.0


class CustomResourceAnswers:
    """A thread answering custom resources in `regions` of the moto server at `endpoint`;
    `delay` seconds after it first sees a stack (its functions' time), a context manager."""

    def __init__(self, endpoint: str, regions: tuple[str, ...] = ("us-east-1",), delay=0.0):
        self.endpoint, self.regions, self.delay = endpoint, regions, delay
        self._first_seen: dict[str, float] = {}
        self.error: Exception | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="custom-resources", daemon=True)

    def __enter__(self) -> CustomResourceAnswers:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        if self.error is not None:
            raise RuntimeError("answering the custom resources failed") from self.error

    def _client(self, region: str) -> Any:
        return boto3.client(
            "cloudformation",
            region_name=region,
            endpoint_url=self.endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def _run(self) -> None:
        clients = {region: self._client(region) for region in self.regions}
        while not self._stop.wait(POLL_SECONDS):
            try:
                for region, client in clients.items():
                    for stack in client.describe_stacks()["Stacks"]:
                        if stack["StackStatus"] == "CREATE_IN_PROGRESS":
                            self._answer(client, region, stack["StackId"])
            except Exception as error:  # raised again when the test leaves the context
                self.error = error
                return

    def _answer(self, client: Any, region: str, stack_id: str) -> None:
        first = self._first_seen.setdefault(stack_id, time.monotonic())
        if time.monotonic() - first < max(self.delay, SETTLE_SECONDS):
            return
        template = client.get_template(StackName=stack_id)["TemplateBody"]
        if isinstance(template, str):
            template = json.loads(template)
        for logical_id, resource in template.get("Resources", {}).items():
            if not resource["Type"].startswith("Custom::"):
                continue
            body = {"Status": "SUCCESS", "StackId": stack_id, "LogicalResourceId": logical_id,
                    "Data": {}}  # fmt: skip
            request = urllib.request.Request(
                f"{self.endpoint}/cloudformation_{region}/cfnresponse?stack={stack_id}",
                data=json.dumps(body).encode(),
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            try:
                urllib.request.urlopen(request, timeout=10).close()
            except urllib.error.HTTPError:
                continue  # moto is still creating the stack: this resource is not there yet
        # Answered again on the next look while the stack is still CREATE_IN_PROGRESS: moto
        # checks a stack's readiness only when an answer comes.


if __name__ == "__main__":  # until Ctrl-C
    endpoint, *regions = sys.argv[1:] or ["http://localhost:5123"]
    with (
        CustomResourceAnswers(endpoint, tuple(regions) or ("us-east-1",)),
        suppress(KeyboardInterrupt),
    ):
        print(f"answering the custom resources of the stacks in {endpoint} (Ctrl-C stops)")
        threading.Event().wait()
