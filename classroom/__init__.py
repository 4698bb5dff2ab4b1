"""The trainer's class tools: commands that act on a whole class or on the course's account.

The top floor (ARCHITECTURE.md): it may import course/ and labcheck/; nothing imports it.
"""
