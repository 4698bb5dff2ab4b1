"""Session-wide speed-ups for the test suite (the fixtures live in tests/conftest.py).

Measured with `make bench` (see README, Development):
- Every `boto3.Session` builds its own botocore data loader, and each loader parses
  endpoints.json and every service model again: ~0.1 s per client, and the labcheck tests build
  two sessions per test. One loader per data path serves the same read-only files to every
  session: the labcheck tests drop from ~38 s to ~15 s.
- moto fills every new EC2 backend (the RDS checks need one) with ~28,000 default AMIs,
  ~0.15 s each time; no lab uses an AMI.
"""

import os
from functools import cache

import botocore.session

botocore.session.create_loader = cache(botocore.session.create_loader)
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
