"""What each lab costs per hour while it runs: one place in the code (no CDK imports).

labs/README.md states the same figures in its course table and in the LabRdsMysql table
(`tests/test_costs.py` keeps both in step); the class report (`classroom/report.py`) multiplies
them by the hours a lab's stack has been up. Estimates for us-east-1, on-demand list prices as
of 2026-11, rounded; no free tier, no taxes.

LabRdsMysql, default (db.t3.micro, Multi-AZ, 20 GB gp3): two db.t3.micro instances at $0.017/h
($0.034/h), gp3 at $0.115 per GB-month doubled for the standby (20 GB: $4.60/month, $0.0063/h),
the stack's KMS key ($1/month, $0.0014/h) and secret ($0.40/month, $0.0005/h): $0.042/h. A read
replica adds one single-AZ db.t3.micro with its own 20 GB ($0.017 + $0.0032 = $0.020/h).
Sources: https://aws.amazon.com/rds/mysql/pricing/ ("Multi-AZ deployments ... billed per DB
instance-hour for both the primary and standby", storage "for both the primary and standby":
https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_OnDemandDBInstances.html),
https://aws.amazon.com/kms/pricing/, https://aws.amazon.com/secrets-manager/pricing/.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from course import sheets

CENT = 0.01


@dataclass(frozen=True)
class HourlyCost:
    """Dollars per hour; `at_most`: an upper bound (the lab costs less than `usd`)."""

    usd: float
    at_most: bool = False

    def text(self) -> str:
        """As labs/README.md writes it: "≈ $0.042" or "< $0.001"."""
        return f"{'<' if self.at_most else '≈'} ${self.usd:g}"

    def for_hours(self, hours: float) -> float:
        return self.usd * hours


# us-east-1 list prices (see the module's docstring) and the lab sheet's sizes (sheets.py).
HOURS_PER_MONTH = 730
DB_T3_MICRO_PER_HOUR = 0.017
GP3_PER_GB_MONTH = 0.115
KMS_KEY_PER_MONTH = 1.0
SECRET_PER_MONTH = 0.40
_RDS_STORAGE_GB = sheets.RDS_MYSQL.allocated_storage_gb
# The default class, Multi-AZ: two instances and their storage, the stack's key and secret.
_RDS_MULTI_AZ = (
    2 * DB_T3_MICRO_PER_HOUR
    + 2 * _RDS_STORAGE_GB * GP3_PER_GB_MONTH / HOURS_PER_MONTH
    + (KMS_KEY_PER_MONTH + SECRET_PER_MONTH) / HOURS_PER_MONTH
)
# A read replica: one single-AZ instance of the default class with its own storage.
_RDS_REPLICA = DB_T3_MICRO_PER_HOUR + _RDS_STORAGE_GB * GP3_PER_GB_MONTH / HOURS_PER_MONTH

# Idle, per hour, for the lab's default configuration (labs/README.md, "idle, per hour").
LAB_HOURLY: dict[str, HourlyCost] = {
    "LabS3Lifecycle": HourlyCost(0.001, at_most=True),
    "LabS3Website": HourlyCost(0.001, at_most=True),  # plus requests: visitors bill the owner
    "LabRdsMysql": HourlyCost(round(_RDS_MULTI_AZ, 3)),
    "LabDynamoDbUsers": HourlyCost(0.001, at_most=True),
    "LabBackup": HourlyCost(0.002),
}
# LabRdsMysql with `-c read_replica=true` (the stack then has the output below).
RDS_WITH_READ_REPLICA = HourlyCost(round(_RDS_MULTI_AZ + _RDS_REPLICA, 3))
READ_REPLICA_OUTPUT = "ReplicaEndpoint"


def hourly(lab_id: str, outputs: Mapping[str, str] | None = None) -> HourlyCost | None:
    """The hourly cost of a lab's stack, judged by its outputs; None for an unknown lab.

    Only the read replica shows in the outputs; a `-c db_instance_class=db.t3.medium` stack is
    estimated at the default class (labs/README.md: about 3.4x as much).
    """
    if lab_id == "LabRdsMysql" and READ_REPLICA_OUTPUT in (outputs or {}):
        return RDS_WITH_READ_REPLICA
    return LAB_HOURLY.get(lab_id)


def dollars(amount: float, at_most: bool = False) -> str:
    """An amount for a person: "$0.13", "< $0.01"; "≤ $0.05" for an upper bound."""
    if amount < CENT:
        return "< $0.01"
    return f"{'≤ ' if at_most else ''}${amount:.2f}"
