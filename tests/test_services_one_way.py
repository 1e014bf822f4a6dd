"""Handlers obtain services one way: from the ``Services`` container (``request.app.state.services``, or
``Services.build(settings)`` in a CLI command), never by building a service class of survey_engine
themselves or keeping a module-level instance. One place decides how a service is built (its clock, its
settings), so the JSON API, the console pages and the CLI all run the same service."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTAINER = ROOT / "api" / "services.py"


def service_classes() -> set[str]:
    """Every class of survey_engine whose name ends in ``Service``."""
    names: set[str] = set()
    for path in (ROOT / "survey_engine").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.name.endswith("Service"):
                names.add(node.name)
    return names


def constructions(source: str, classes: set[str]) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in classes:
                out.append(f"line {node.lineno}: {name}()")
    return out


def test_the_checker_sees_direct_and_qualified_constructions() -> None:
    source = "PHONE = PhoneService()\nx = phone.PhoneService(clock)\ny = services.phone\nz = Other()\n"
    assert constructions(source, {"PhoneService"}) == ["line 1: PhoneService()", "line 2: PhoneService()"]


def test_only_the_container_builds_services() -> None:
    classes = service_classes()
    assert {"PhoneService", "WaveService", "FrameService"} <= classes
    found = {
        str(path.relative_to(ROOT)): lines
        for path in sorted((ROOT / "api").rglob("*.py"))
        if path != CONTAINER and (lines := constructions(path.read_text(encoding="utf-8"), classes))
    }
    assert not found, f"services built outside api/services.py (take them from the container): {found}"
