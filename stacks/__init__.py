"""The lab stacks, one module each, in course order: the registry's (course/sheets.py `LABS`)."""

from importlib import import_module

from course.sheets import LABS as REGISTRY
from stacks.lab_stack import LabStack


def _stack_class(path: str) -> type[LabStack]:
    module, name = path.split(":")
    return getattr(import_module(module), name)


LABS: tuple[type[LabStack], ...] = tuple(_stack_class(lab.stack) for lab in REGISTRY)
