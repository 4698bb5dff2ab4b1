"""The tests' own layout: helpers live in helper modules, no test module imports another."""

import ast

from tests.synth import ROOT

TESTS = ROOT / "tests"


def _imported_modules(path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def test_no_test_module_imports_another_or_conftest():
    offenders = {
        path.relative_to(ROOT).as_posix(): sorted(
            module
            for module in _imported_modules(path)
            if module.startswith("tests.")
            and module.rsplit(".", 1)[-1].startswith(("test_", "conftest"))
        )
        for path in TESTS.rglob("*.py")
    }
    assert {path: found for path, found in offenders.items() if found} == {}, (
        "move what they share to a helper module (synth.py, templates.py, labcheck_fixtures.py)"
    )


def test_each_construct_module_has_its_own_test_module():
    constructs = {
        p.stem
        for p in (ROOT / "lab_constructs").glob("*.py")
        if p.stem not in ("__init__", "helpers", "nag")
    }
    tested = {p.stem.removeprefix("test_") for p in (TESTS / "lab_constructs").glob("test_*.py")}
    assert constructs - tested == set(), (
        "test each construct on its own, in a bare Stack (tests/lab_constructs/test_<module>.py)"
    )
