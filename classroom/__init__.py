"""The trainer's class tools: commands that act on a whole class or on the course's account."""
