"""botocore Stubber clients for handler and runner tests: no credentials, no network."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.stub import Stubber

REGION = "us-east-1"


def offline_client(service: str) -> Any:
    """A client with dummy credentials; wrap it in a Stubber before any call."""
    return boto3.client(
        service, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )


@contextmanager
def stubbed(service: str) -> Iterator[tuple[Any, Stubber]]:
    """A stubbed client and its Stubber; every queued response must have been used."""
    client = offline_client(service)
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()
