"""The tests' own layout: helpers live in helper modules, no test module imports another."""

import ast
import re

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


# --- the floors (ARCHITECTURE.md) ------------------------------------------------------------

ARCHITECTURE = ROOT / "ARCHITECTURE.md"
# What each package may import of ours, as ARCHITECTURE.md states it (read from there below).
FLOORS = {
    "course": set(),
    "lab_constructs": {"course"},
    "labcheck": {"course"},
    "stacks": {"course", "lab_constructs"},
    "classroom": {"course", "labcheck"},
}
CDK_LIBRARIES = {"aws_cdk", "constructs", "cdk_nag", "jsii"}
USES_THE_CDK = {"stacks", "lab_constructs"}
MAX_LINES = 400  # per module of the packages above; tests are not held to it
# The class commands: `python -m classroom.<command>`; no other module imports them.
CLASS_COMMANDS = {
    "classroom.run",
    "classroom.status",
    "classroom.report",
    "classroom.sweep",
    "classroom.service_roles",
    "classroom.handout",
}


def _module_name(path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, object]:
    """Every module of the floors' packages (Lambda handlers included), by dotted name."""
    return {_module_name(p): p for package in FLOORS for p in (ROOT / package).rglob("*.py")}


def _imports(path, modules) -> set[str]:
    """What a module imports, anywhere in it (a function-level import too): our modules by
    name (`from pkg import mod` names the module, else the package), others by top name."""
    found = set()
    for module in _imported_modules(path):
        if module in modules or module.split(".")[0] not in FLOORS:
            found.add(module if module in modules else module.split(".")[0])
        else:  # `from course.config import X` lists course.config.X: keep course.config
            while module not in modules and "." in module:
                module = module.rsplit(".", 1)[0]
            found.add(module)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) for name, path in modules.items()}


def _floor_table() -> dict[str, set[str]]:
    """ARCHITECTURE.md's table: package -> what it may import."""
    rows = re.findall(r"^\| \d \| `(\w+)/` \| .* \| ([^|]+) \|$", ARCHITECTURE.read_text(), re.M)
    return {
        package: set(re.findall(r"`(\w+)`", allowed)) if allowed.strip() != "nothing" else set()
        for package, allowed in rows
    }


def test_architecture_md_states_the_floors_this_test_enforces():
    assert _floor_table() == FLOORS
    assert all((ROOT / package / "__init__.py").is_file() for package in FLOORS)
    assert len(ARCHITECTURE.read_text().splitlines()) <= 50, "one screen"


def test_imports_run_only_down_the_floors():
    upward = {
        module: sorted(
            target
            for target in targets
            if target.split(".")[0] in FLOORS
            and target.split(".")[0] not in FLOORS[module.split(".")[0]] | {module.split(".")[0]}
        )
        for module, targets in _graph().items()
    }
    assert {module: found for module, found in upward.items() if found} == {}


def test_only_the_stacks_and_the_constructs_import_the_cdk():
    found = {
        module: sorted(targets & CDK_LIBRARIES)
        for module, targets in _graph().items()
        if module.split(".")[0] not in USES_THE_CDK
    }
    assert {module: cdk for module, cdk in found.items() if cdk} == {}


def test_no_module_imports_a_class_command():
    found = {
        module: sorted(targets & CLASS_COMMANDS)
        for module, targets in _graph().items()
        if targets & CLASS_COMMANDS
    }
    assert found == {}, "a class command's work goes in a module of its own, below it"


def test_no_import_cycle():
    graph = _graph()
    cycles = []

    def visit(module, path):
        for target in sorted(graph.get(module, ())):
            if target in path:
                cycles.append([*path[path.index(target) :], target])
            elif target in graph and target not in done:
                visit(target, [*path, target])
        done.add(module)

    done: set[str] = set()
    for module in sorted(graph):
        if module not in done:
            visit(module, [module])
    assert cycles == []


def test_no_module_is_over_400_lines():
    long = {
        name: lines
        for name, path in _modules().items()
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}, f"split them by what changes together (at most {MAX_LINES} lines)"
