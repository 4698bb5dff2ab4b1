"""Each lab built in moto for the labcheck tests, one module per lab."""
