"""The core's shape: no import cycles, no part holding the controller, each timer touched by one part."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from device.core.timers import OWNERS, Timers

CORE = Path(__file__).resolve().parent.parent / "device" / "core"
MODULES = sorted(p.stem for p in CORE.glob("*.py") if p.stem != "__init__")
PART_OF_MODULE = {"session": "session", "routine": "routine", "lamp_actions": "lamp", "sound_actions": "preview"}


def core_imports(module: str) -> set[str]:
    """Every device.core module ``module`` imports, at run time or for type checking alike."""
    tree = ast.parse((CORE / f"{module}.py").read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "device.core":
                found |= {alias.name for alias in node.names}
            elif node.module.startswith("device.core."):
                found.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[2] for a in node.names if a.name.startswith("device.core.")}
    return found & set(MODULES)


def test_the_core_has_no_import_cycle():
    graph = {module: core_imports(module) for module in MODULES}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, " -> ".join((*path, module))
        if module in done:
            return
        for imported in graph[module]:
            visit(imported, (*path, module))
        done.add(module)

    for module in MODULES:
        visit(module, ())


def test_no_part_imports_or_holds_the_controller():
    assert [m for m in MODULES if m != "controller" and "controller" in core_imports(m)] == []
    holding = {"ctl", "controller", "Controller"}
    for module in (m for m in MODULES if m != "controller"):
        tree = ast.parse((CORE / f"{module}.py").read_text())
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        names |= {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)}
        assert not names & holding, module


@pytest.mark.parametrize("module", MODULES)
def test_each_core_module_imports_on_its_own(module: str):
    subprocess.run([sys.executable, "-c", f"import device.core.{module}"], check=True)


def _timer_names_touched(module: str) -> set[str]:
    tree = ast.parse((CORE / f"{module}.py").read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("set", "clear"):
            names |= {a.value for a in node.args if isinstance(a, ast.Constant) and a.value in OWNERS}
    return names


def test_each_timer_is_set_and_cleared_only_by_the_part_that_owns_it():
    for module in MODULES:
        touched = _timer_names_touched(module)
        owner = PART_OF_MODULE.get(module)
        assert {OWNERS[name] for name in touched} <= ({owner} if owner else set()), (module, touched)
    assert _timer_names_touched("routine") and _timer_names_touched("session")  # the check sees them


def test_a_part_cannot_touch_another_parts_timer():
    timers = Timers()
    routine = timers.of("routine")
    routine.set("winddown", 10.0)
    with pytest.raises(KeyError, match="'sunset' belongs to session, not to routine"):
        routine.set("sunset", 5.0)
    with pytest.raises(KeyError):
        routine.clear("lamp_effect_end")
    timers.of("session").set("sunset", 5.0)
    assert timers.next() == 5.0
    assert list(timers.due(10.0)) == [("sunset", 5.0), ("winddown", 10.0)] and timers.next() is None


def test_the_controller_only_dispatches():
    """The flows between parts live in ``flows``: the controller calls no part's class, sets no timer and
    writes no state; it stays about 150 lines."""
    source = (CORE / "controller.py").read_text()
    assert len(source.splitlines()) <= 170
    tree = ast.parse(source)
    part_classes = {"session", "routine", "experiment"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            called_on = node.func.value
            assert not (isinstance(called_on, ast.Attribute) and called_on.attr in part_classes), ast.unparse(node)
            assert node.func.attr not in ("set", "clear", "clear_all", "become"), ast.unparse(node)
        if isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                assert not (isinstance(target, ast.Attribute) and "state" in ast.unparse(target.value)), ast.unparse(
                    node
                )


def test_the_flows_keep_no_state_and_every_button_action_has_a_handler():
    import dataclasses
    from typing import get_args

    from device.config.base import Action
    from device.core.controller import ACTIONS
    from device.core.flows import Parts

    assert Parts.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert {f.name for f in dataclasses.fields(Parts)} == {"config", "tz", "session", "routine", "experiment", "timers"}
    assert set(get_args(Action)) <= set(ACTIONS)
    tree = ast.parse((CORE / "flows.py").read_text())
    module_names = {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    assert all(name.isupper() or name in ("Effects", "Action") for name in module_names), module_names
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Global | ast.Nonlocal)]
