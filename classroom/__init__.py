"""The trainer's class tools (issue #27: the class engine, classroom/engine.py)."""
