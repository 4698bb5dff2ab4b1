"""The class the report's tests check: LabDynamoDbUsers in every state a trainer meets (done,
half done, broken in one objective, not deployed, a failed stack, a hand-built lab, a
participant labcheck may not read), on moto. tests/classroom/conftest.py makes it the `klass`
fixture."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import boto3
from botocore.awsrequest import AWSResponse
from moto.core import DEFAULT_ACCOUNT_ID

from classroom import gather
from classroom.report_model import ClassReport
from tests.labcheck_builds.dynamodb_users import INDEX, JANE, JOHN_DOE
from tests.labcheck_fixtures import REGION, create_stack, fake_account

LAB = "LabDynamoDbUsers"
CLASS = ["ana", "ben", "cem", "dia", "eve", "fay", "gus"]
CREATED = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
NOW = CREATED + timedelta(hours=2, minutes=30)
OWN = ["--own", "table={participant}-Users"]


def users_table(session, name: str, *, item=True, index=True, projection="ALL") -> None:
    """The lab's table as a student builds it, complete or not."""
    ddb = session.client("dynamodb")
    gsi = {
        "GlobalSecondaryIndexes": [
            {
                "IndexName": INDEX,
                "KeySchema": [{"AttributeName": "name", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": projection},
            }
        ]
    }
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "email", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": a, "AttributeType": "S"} for a in ("email", "name")[: 1 + index]
        ],
        BillingMode="PAY_PER_REQUEST",
        **(gsi if index else {}),
    )
    for user in (JOHN_DOE, JANE) if item else (JANE,):
        ddb.put_item(TableName=name, Item=user)


def lab_stack(session, participant: str, *, status: str | None = None, **outputs: str) -> None:
    """The participant's stack, created at CREATED (and in `status`, as moto cannot fail one)."""
    name = f"{participant}-{LAB}"
    create_stack(
        session, name, {"TableName": f"{participant}-Users", "IndexName": INDEX, **outputs}
    )
    from moto.cloudformation.models import cloudformation_backends  # 1 s: not at collection

    backend = cloudformation_backends[DEFAULT_ACCOUNT_ID][REGION]
    stack = next(s for s in backend.stacks.values() if s.name == name)
    stack.creation_time = CREATED.replace(tzinfo=None)
    if status:
        stack.status = status


def deny_gus(params, **_kwargs):
    if b'"gus-Users"' in params["body"]:
        body = {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}
        return AWSResponse(None, 400, {}, None), body
    return None


@contextmanager
def fake_class(monkeypatch) -> Iterator[Callable[[], boto3.Session]]:
    """The class in one account; yields the session factory the report checks it with."""
    with fake_account(monkeypatch) as session:
        users_table(session, "ana-Users")
        lab_stack(session, "ana", ExpiresAt="2026-11-26T13:00:00Z")  # done
        users_table(session, "ben-Users", item=False, index=False)
        lab_stack(session, "ben")  # half done: the table, no item, no index
        users_table(session, "cem-Users", projection="KEYS_ONLY")
        lab_stack(session, "cem", ExpiresAt="2026-11-26T11:00:00Z")  # the GSI, expired
        # dia: nothing at all
        lab_stack(session, "eve", status="ROLLBACK_COMPLETE")  # the deploy failed
        users_table(session, "fay-Users")  # built by hand, no stack
        users_table(session, "gus-Users")  # built by hand, labcheck may not read it

        def checker() -> boto3.Session:
            checking = boto3.Session(region_name=REGION)
            checking.events.register("before-call.dynamodb.DescribeTable", deny_gus)
            return checking

        yield checker


def gathered(klass, own=True, **kwargs) -> ClassReport:
    patterns = {"table": "{participant}-Users"} if own else {}
    return gather.gather(LAB, CLASS, session=klass, own=patterns, now=lambda: NOW, **kwargs)


GSI_HINT = (
    "table > Indexes > Create index: partition key the name attribute (String), attribute"
    " projections All; wait until its status is Active"
)


# dia has neither a stack nor a table: checked as hand-built, she is stuck on the table.
SUMMARY = (
    "2 of 7 done, 1 stuck on the table, 1 stuck on the item, 1 stuck on the GSI,"
    " 1 stack ROLLBACK_COMPLETE, 1 could not be checked; est. cost so far < $0.01"
)
