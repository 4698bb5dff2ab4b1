"""The trainer's class tools: deploy, destroy, watch, report on and sweep a lab for a class.

The top floor (ARCHITECTURE.md): it may import course/ and labcheck/; nothing imports it.
"""
