"""Course-wide plumbing: context settings and the CDK app that holds every lab."""
