"""No module imports another module's underscore names.

A leading underscore says "only this module uses it"; a name another module needs is part of the
module's public surface and is named so. Checked over the four packages and the tests, by reading the
source (``ast``): ``from x import _y`` where ``x`` is one of our modules, ``x._y`` on an imported module
of ours, and importing a private module (``survey_engine.questionnaire._values``) from outside its
package. Dunder names (``__version__``) are public by convention.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("api", "survey_engine", "sampling", "reports", "tests")


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _ours(module: str) -> bool:
    return module.split(".")[0] in PACKAGES


def _private_module_outside(module: str, importer: str) -> str | None:
    """The first private segment of ``module`` whose package ``importer`` is not inside, if any."""
    parts = module.split(".")
    for depth, part in enumerate(parts):
        if is_private(part):
            package = ".".join(parts[:depth])
            if importer != package and not importer.startswith(package + "."):
                return ".".join(parts[: depth + 1])
    return None


def _import_from(
    node: ast.ImportFrom, importer: str, is_package: bool, modules: set[str], module_aliases: dict[str, str]
) -> Iterator[str]:
    source_module = _absolute(node, importer, is_package)
    if not _ours(source_module):
        return
    if (outside := _private_module_outside(source_module, importer)) is not None:
        yield f"line {node.lineno}: from {source_module} import … (private module {outside})"
        return
    for alias in node.names:
        full = f"{source_module}.{alias.name}"
        if full in modules:
            module_aliases[alias.asname or alias.name] = full
            if _private_module_outside(full, importer) is not None:
                yield f"line {node.lineno}: from {source_module} import {alias.name} (private module)"
        elif is_private(alias.name) and source_module != importer:
            yield f"line {node.lineno}: from {source_module} import {alias.name}"


def violations(source: str, importer: str, is_package: bool, modules: set[str]) -> Iterator[str]:
    """Each import of another module's private name in ``source`` (the module ``importer``), as text."""
    tree = ast.parse(source)
    module_aliases: dict[str, str] = {}  # local name → one of our modules
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not _ours(alias.name):
                    continue
                if (outside := _private_module_outside(alias.name, importer)) is not None:
                    yield f"line {node.lineno}: import {alias.name} (private module {outside})"
                if alias.asname:
                    module_aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            yield from _import_from(node, importer, is_package, modules, module_aliases)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in module_aliases
            and is_private(node.attr)
            and module_aliases[node.value.id] != importer
        ):
            yield f"line {node.lineno}: {node.value.id}.{node.attr} ({module_aliases[node.value.id]})"


def offenders(root: Path) -> dict[str, list[str]]:
    files = [p for package in PACKAGES for p in sorted((root / package).rglob("*.py"))]
    modules = {module_name(p, root) for p in files}
    found: dict[str, list[str]] = {}
    for path in files:
        name = module_name(path, root)
        lines = list(violations(path.read_text(encoding="utf-8"), name, path.name == "__init__.py", modules))
        if lines:
            found[str(path.relative_to(root))] = lines
    return found


def test_the_checker_finds_private_imports_and_only_those() -> None:
    modules = {"api", "api.a", "api.b", "api.pkg", "api.pkg._inner", "api.pkg.user"}
    found = list(
        violations(
            "import os\nfrom os import _exit\nfrom api.a import _hidden, public\nfrom api.pkg import _inner\n"
            "from api.pkg._inner import thing\nimport api.b as b\nb._x\nb.y\nb.__doc__\n",
            "api.c",
            False,
            modules,
        )
    )
    assert found == [
        "line 3: from api.a import _hidden",
        "line 4: from api.pkg import _inner (private module)",
        "line 5: from api.pkg._inner import … (private module api.pkg._inner)",
        "line 7: b._x (api.b)",
    ]
    inside = "from ._inner import thing\nfrom api.pkg._inner import other\n"
    assert list(violations(inside, "api.pkg.user", False, modules)) == []
    assert list(violations(inside, "api.pkg", True, modules)) == []
    assert list(violations("from . import _own\n", "api.pkg", True, modules)) == []
    assert list(violations("from . import _shared\n", "api.pkg.user", False, modules)) == [
        "line 1: from api.pkg import _shared"
    ]


def test_no_module_imports_another_modules_private_names() -> None:
    found = offenders(ROOT)
    assert not found, "private names imported across modules (give them a public name):\n" + "\n".join(
        f"{path}: {line}" for path, lines in sorted(found.items()) for line in lines
    )
