"""Reusable L3 constructs of the course labs, each holding its secure defaults once.

(Not named `constructs/`: a package of that name would shadow the `constructs` library.)
"""

from lab_constructs.alerts import LabAlerts
from lab_constructs.backup_plan import LabBackupPlan
from lab_constructs.backup_vault import LabBackupVault
from lab_constructs.buckets import LabBucket, LabWebsiteBucket
from lab_constructs.database import LabMysql
from lab_constructs.files import LabFiles
from lab_constructs.keys import LabKey
from lab_constructs.nag import acknowledge
from lab_constructs.network import LabVpc
from lab_constructs.tables import LabTable, LabTableItem

__all__ = [
    "LabAlerts",
    "LabBackupPlan",
    "LabBackupVault",
    "LabBucket",
    "LabFiles",
    "LabKey",
    "LabMysql",
    "LabTable",
    "LabTableItem",
    "LabVpc",
    "LabWebsiteBucket",
    "acknowledge",
]
