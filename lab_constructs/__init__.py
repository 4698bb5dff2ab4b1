"""Reusable L3 constructs of the course labs, each holding its secure defaults once.

(Not named `constructs/`: a package of that name would shadow the `constructs` library.)
"""

from lab_constructs.buckets import LabBucket
from lab_constructs.files import LabFiles
from lab_constructs.keys import LabKey
from lab_constructs.nag import acknowledge

__all__ = ["LabBucket", "LabFiles", "LabKey", "acknowledge"]
