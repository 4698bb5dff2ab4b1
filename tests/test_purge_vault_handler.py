"""The purge handler of LabBackupVault (lab_constructs/handlers/purge_vault), as plain Python.

Fake Backup API: botocore's Stubber for every call. moto 5.2.5 implements backup vaults and
plans but none of the job or recovery-point calls the handler makes (ListBackupJobs,
StopBackupJob, ListRecoveryPointsByBackupVault, DeleteRecoveryPoint; see
moto/backup/responses.py), so it cannot fake them. The Stubber also
checks each request and response against the AWS Backup API model, and fails on any call the
test did not expect.

The vault is the function's environment (set at deploy time), never the event's.
"""

import pytest
from botocore.stub import Stubber

from lab_constructs.handlers.purge_vault import index as handler
from tests.stubs import stubbed

# Each test runs today and again a year ahead (the clock-shift guard, tests/conftest.py).
pytestmark = pytest.mark.handles_time

VAULT = "ana-LabBackupVault"
TIMEOUT_SECONDS = 2700
STARTED = 1_000_000.0
TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/ana-Users"
# What accounts without AWS Backup's advanced DynamoDB features get as a recovery point.
DYNAMODB_BACKUP_ARN = f"{TABLE_ARN}/backup/01764150000000-abcdef12"


def point_arn(number: int) -> str:
    return f"arn:aws:backup:us-east-1:123456789012:recovery-point:{number:08d}-aaaa-bbbb-cccc-dddd"


def point(number: int, status: str = "COMPLETED", message: str | None = None) -> dict:
    listed = {"RecoveryPointArn": point_arn(number), "BackupVaultName": VAULT, "Status": status}
    if message:
        listed["StatusMessage"] = message
    return listed


def delete_event(deadline: float = STARTED + TIMEOUT_SECONDS) -> dict:
    """What the Provider passes to is_complete on stack deletion (on_event's result merged in)."""
    return {
        "RequestType": "Delete",
        "PhysicalResourceId": VAULT,
        "ResourceProperties": {"TimeoutSeconds": str(TIMEOUT_SECONDS)},
        handler.DEADLINE_KEY: deadline,
    }


@pytest.fixture
def backup():
    with stubbed("backup") as client_and_stubber:
        yield client_and_stubber


def expect_pages(stubber: Stubber, *pages: list[dict], jobs: list[dict] | None = None) -> None:
    """One poll: the vault's backup jobs (`jobs`, none by default), then its recovery points."""
    expect_jobs(stubber, jobs or [])
    expect_pages_only(stubber, *pages)


def job(job_id: str, state: str) -> dict:
    return {
        "BackupJobId": job_id,
        "BackupVaultName": VAULT,
        "ResourceArn": TABLE_ARN,
        "State": state,
    }


def expect_paged(
    stubber: Stubber, operation: str, key: str, params: dict, pages: tuple[list[dict], ...]
) -> None:
    """One response per page of a paginated `operation`, listing `key`, with NextTokens."""
    for number, page in enumerate(pages):
        response: dict = {key: page}
        if number + 1 < len(pages):
            response["NextToken"] = f"{operation}-{number + 1}"
        expected = {**params, **({"NextToken": f"{operation}-{number}"} if number else {})}
        stubber.add_response(operation, response, expected)


def expect_jobs(stubber: Stubber, *pages: list[dict]) -> None:
    """ListBackupJobs of the vault, one response per page."""
    expect_paged(stubber, "list_backup_jobs", "BackupJobs", {"ByBackupVaultName": VAULT}, pages)


def expect_stop(stubber: Stubber, job_id: str) -> None:
    stubber.add_response("stop_backup_job", {}, {"BackupJobId": job_id})


def expect_stop_error(stubber: Stubber, job_id: str, code: str, message: str) -> None:
    stubber.add_client_error(
        "stop_backup_job",
        service_error_code=code,
        service_message=message,
        http_status_code=400,
        expected_params={"BackupJobId": job_id},
    )


def expect_pages_only(stubber: Stubber, *pages: list[dict]) -> None:
    """Recovery-point pages without the job listing before them (already queued)."""
    expect_paged(
        stubber,
        "list_recovery_points_by_backup_vault",
        "RecoveryPoints",
        {"BackupVaultName": VAULT},
        pages,
    )


def expect_delete(stubber: Stubber, number: int) -> None:
    stubber.add_response(
        "delete_recovery_point",
        {},
        {"BackupVaultName": VAULT, "RecoveryPointArn": point_arn(number)},
    )


def expect_delete_error(stubber: Stubber, number: int, code: str, message: str) -> None:
    stubber.add_client_error(
        "delete_recovery_point",
        service_error_code=code,
        service_message=message,
        http_status_code=400,
        expected_params={"BackupVaultName": VAULT, "RecoveryPointArn": point_arn(number)},
    )


# The function's environment, as lab_constructs/backup_vault.py sets it at deploy.
ENVIRONMENT = {"BACKUP_VAULT_NAME": VAULT}


def run(client, event=None, now=STARTED) -> dict:
    return handler.is_complete(
        event or delete_event(), None, client=client, now=lambda: now, environ=ENVIRONMENT
    )


def test_create_names_the_vault_of_its_environment_as_physical_id():
    event = {"RequestType": "Create", "ResourceProperties": {"BackupVaultName": "ben-Vault"}}
    assert handler.on_event(event, environ=ENVIRONMENT) == {"PhysicalResourceId": VAULT}


def test_an_event_naming_another_vault_stops_none_of_its_jobs(backup):
    """Issue 25, path 3: invoked with ben's vault in the event, the purge stopped ben's jobs.
    The Stubber fails on any call but those on the environment's vault."""
    client, stubber = backup
    expect_jobs(stubber, [job("ana-job", "RUNNING")])
    stubber.add_response("stop_backup_job", {}, {"BackupJobId": "ana-job"})
    expect_pages_only(stubber, [])
    event = delete_event()
    event["ResourceProperties"]["BackupVaultName"] = "ben-LabBackupVault"
    with stubber:
        assert run(client, event) == {"IsComplete": False}
        stubber.assert_no_pending_responses()


def test_delete_sets_the_deadline_from_the_timeout_property():
    event = delete_event()
    del event[handler.DEADLINE_KEY]
    assert handler.on_event(event, now=lambda: STARTED, environ=ENVIRONMENT) == {
        "PhysicalResourceId": VAULT,
        handler.DEADLINE_KEY: STARTED + TIMEOUT_SECONDS,
    }


@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_create_and_update_touch_no_recovery_point(backup, request_type):
    client, _ = backup  # no response queued: any Backup call would fail the test
    event = {**delete_event(), "RequestType": request_type}
    assert run(client, event) == {"IsComplete": True}


def test_every_recovery_point_on_every_page_is_deleted(backup):
    client, stubber = backup
    expect_pages(stubber, [point(1), point(2)], [point(3, status="DELETING"), point(4)], [point(5)])
    for number in (1, 2, 4, 5):  # 3 is being deleted already
        expect_delete(stubber, number)
    assert run(client) == {"IsComplete": False}, "deletion is asynchronous: poll again"


def test_waits_until_the_vault_is_empty(backup):
    client, stubber = backup
    expect_pages(stubber, [point(1)])
    expect_delete(stubber, 1)
    expect_pages(stubber, [point(1, status="DELETING")])
    expect_pages(stubber, [])
    assert [run(client)["IsComplete"] for _ in range(3)] == [False, False, True]


def test_an_empty_vault_is_complete_at_once(backup):
    client, stubber = backup
    expect_pages(stubber, [])
    assert run(client) == {"IsComplete": True}


def test_a_vault_that_no_longer_exists_is_complete(backup):
    client, stubber = backup
    expect_jobs(stubber, [])
    stubber.add_client_error(
        "list_recovery_points_by_backup_vault",
        service_error_code="ResourceNotFoundException",
        service_message=f"Backup vault {VAULT} does not exist",
        http_status_code=400,
        expected_params={"BackupVaultName": VAULT},
    )
    assert run(client) == {"IsComplete": True}


def test_a_recovery_point_gone_before_its_deletion_is_fine(backup):
    client, stubber = backup
    expect_pages(stubber, [point(1)])
    expect_delete_error(stubber, 1, "ResourceNotFoundException", "Recovery point not found")
    assert run(client) == {"IsComplete": True}


def test_a_recovery_point_still_being_created_is_retried_later(backup):
    client, stubber = backup
    expect_pages(stubber, [point(1, status="CREATING")])
    expect_delete_error(
        stubber, 1, "InvalidResourceStateException", "The backup job is still running"
    )
    assert run(client) == {"IsComplete": False}


def test_a_failed_deletion_names_the_recovery_point_and_why(backup):
    client, stubber = backup
    expect_pages(stubber, [point(1), point(2)])
    expect_delete(stubber, 1)
    expect_delete_error(
        stubber, 2, "InvalidRequestException", "Recovery point is protected by a vault lock"
    )
    with pytest.raises(handler.PurgeError) as failure:
        run(client)
    message = str(failure.value)
    assert point_arn(2) in message, "the message must name the recovery point"
    assert "InvalidRequestException: Recovery point is protected by a vault lock" in message
    assert VAULT in message


def test_recovery_points_left_at_the_deadline_fail_with_their_status(backup):
    client, stubber = backup
    expect_pages(stubber, [point(1, status="EXPIRED", message="Insufficient permissions")])
    expect_delete(stubber, 1)  # accepted, but AWS Backup leaves it EXPIRED again
    late = delete_event(deadline=STARTED - 1)
    with pytest.raises(handler.PurgeError) as failure:
        run(client, late)
    assert f"{point_arn(1)} (EXPIRED: Insufficient permissions)" in str(failure.value)


def test_other_listing_errors_are_not_swallowed(backup):
    client, stubber = backup
    expect_jobs(stubber, [])
    stubber.add_client_error(
        "list_recovery_points_by_backup_vault",
        service_error_code="AccessDeniedException",
        service_message="not authorized",
        http_status_code=403,
        expected_params={"BackupVaultName": VAULT},
    )
    with pytest.raises(Exception, match="AccessDeniedException"):
        run(client)


# --- backup jobs in flight, busy and transient answers ---------------------------------------


def test_a_running_job_is_stopped_and_waited_for_until_it_is_gone(backup):
    client, stubber = backup
    expect_jobs(stubber, [job("job-1", "RUNNING")])
    expect_stop(stubber, "job-1")
    expect_pages_only(stubber, [])
    expect_pages(stubber, [], jobs=[job("job-1", "ABORTING")])  # stopping: no second stop
    expect_pages(stubber, [])  # ABORTED jobs are not listed as active
    assert [run(client)["IsComplete"] for _ in range(3)] == [False, False, True]


def test_a_job_that_completes_leaves_a_recovery_point_which_is_deleted(backup):
    client, stubber = backup
    expect_jobs(stubber, [job("job-1", "RUNNING")])
    expect_stop_error(stubber, "job-1", "ResourceNotFoundException", "Job already completed")
    expect_pages_only(stubber, [])
    expect_jobs(stubber, [job("job-1", "COMPLETED")])  # listed, but no longer active
    expect_pages_only(stubber, [point(1)])
    expect_delete(stubber, 1)
    expect_pages(stubber, [])
    assert [run(client)["IsComplete"] for _ in range(3)] == [False, False, True]


def test_jobs_are_listed_on_every_page(backup):
    client, stubber = backup
    expect_jobs(stubber, [job("job-1", "CREATED")], [job("job-2", "PENDING")])
    expect_stop(stubber, "job-1")
    expect_stop(stubber, "job-2")
    expect_pages_only(stubber, [])
    assert run(client) == {"IsComplete": False}


def test_a_job_that_cannot_be_stopped_is_waited_for(backup):
    client, stubber = backup
    reason = "StopBackupJob is not supported for this resource type"
    expect_jobs(stubber, [job("job-1", "RUNNING")])
    expect_stop_error(stubber, "job-1", "InvalidRequestException", reason)
    expect_pages_only(stubber, [])
    expect_pages(stubber, [])  # it finished on its own
    assert [run(client)["IsComplete"] for _ in range(2)] == [False, True]


def test_the_deadline_with_a_job_still_running_names_it_and_why(backup):
    client, stubber = backup
    reason = "StopBackupJob is not supported for this resource type"
    expect_jobs(stubber, [job("job-7", "RUNNING")])
    expect_stop_error(stubber, "job-7", "InvalidRequestException", reason)
    expect_pages_only(stubber, [])
    with pytest.raises(handler.PurgeError) as failure:
        run(client, delete_event(deadline=STARTED - 1))
    message = str(failure.value)
    assert "backup job job-7 (RUNNING" in message, "the message must name the job"
    assert TABLE_ARN in message
    assert f"cannot be stopped: InvalidRequestException: {reason}" in message
    assert VAULT in message


def throttle(stubber: Stubber, operation: str, params: dict, status: int = 400) -> None:
    stubber.add_client_error(
        operation,
        service_error_code="ThrottlingException" if status < 500 else "ServiceUnavailableException",
        service_message="Rate exceeded" if status < 500 else "Service unavailable",
        http_status_code=status,
        expected_params=params,
    )


@pytest.mark.parametrize("status", [400, 503])
def test_throttling_or_5xx_then_success_is_not_a_failure(backup, status):
    client, stubber = backup
    throttle(stubber, "list_backup_jobs", {"ByBackupVaultName": VAULT}, status)
    expect_jobs(stubber, [])
    throttle(stubber, "list_recovery_points_by_backup_vault", {"BackupVaultName": VAULT}, status)
    expect_pages(stubber, [point(1)])
    throttle(
        stubber,
        "delete_recovery_point",
        {"BackupVaultName": VAULT, "RecoveryPointArn": point_arn(1)},
        status,
    )
    expect_pages(stubber, [point(1)])
    expect_delete(stubber, 1)
    expect_pages(stubber, [])
    assert [run(client)["IsComplete"] for _ in range(5)] == [False, False, False, False, True]


def test_throttling_until_the_deadline_fails_with_the_last_error(backup):
    client, stubber = backup
    throttle(stubber, "list_backup_jobs", {"ByBackupVaultName": VAULT})
    with pytest.raises(handler.PurgeError, match="ListBackupJobs: ThrottlingException"):
        run(client, delete_event(deadline=STARTED - 1))


def test_a_recovery_point_whose_deletion_is_in_progress_is_retried(backup):
    client, stubber = backup
    expect_pages(stubber, [point(1)])
    expect_delete_error(
        stubber, 1, "InvalidRequestException", "Deletion of the recovery point is in progress"
    )
    assert run(client) == {"IsComplete": False}


def test_a_dynamodb_backup_arn_recovery_point_is_deleted(backup):
    """Accounts without AWS Backup's advanced DynamoDB features (issue #20, item 4)."""
    client, stubber = backup
    dynamodb_point = {"RecoveryPointArn": DYNAMODB_BACKUP_ARN, "Status": "COMPLETED"}
    expect_pages(stubber, [dynamodb_point, point(1)])
    stubber.add_response(
        "delete_recovery_point",
        {},
        {"BackupVaultName": VAULT, "RecoveryPointArn": DYNAMODB_BACKUP_ARN},
    )
    expect_delete(stubber, 1)
    expect_pages(stubber, [])
    assert [run(client)["IsComplete"] for _ in range(2)] == [False, True]
