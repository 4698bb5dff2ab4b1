"""labcheck: verify a build of a lab (the course's stack or a student's) against its objectives.

Run `python -m labcheck <LabId>`; see `labcheck.cli`. One module per lab holds its objectives.
"""
