"""The repository stands alone: a clone with nothing beside it has every file its tests and docs refer to."""

from __future__ import annotations

import fnmatch
import os
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sampling import test_cli_estimate, test_r_core
from tests.sampling.r_weighting import DATA as WEIGHTING_DATA

ROOT = Path(__file__).resolve().parent.parent

# Every R dataset that a test reads by name (test_cli_planning reads apipop.csv and apiclus1.csv).
R_DATASETS = ("apipop", "apistrat", "apiclus1", "apiclus2")

# Folders that are not part of the repository's content: the virtualenv and caches anywhere, the runtime
# data folder and build outputs at the top (tests/sampling/r_core/data is content).
_SKIP_DIRS = {
    ".git",
    ".venv",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    ".hypothesis",
}
_SKIP_TOP = {"data", "build", "dist", "out"}
_TEXT_SUFFIXES = {".py", ".md", ".R", ".toml", ".cfg", ".ini", ".txt", ".sh", ".html", ".js", ".css"}

# Character classes, so that this file (and the before-stop check's grep) do not match the pattern itself.
_OUTSIDE = re.compile(r"\.\./[s]hared|/[w]ork/")

# A Markdown link or image target: [text](target) with no scheme (http:, mailto:) and no bare anchor.
_LINK = re.compile(r"\]\((?![a-z][a-z0-9+.-]*:|#)([^)\s]+)\)")


def _text_files() -> Iterator[Path]:
    # os.walk so that skipped folders (a .venv of thousands of files) are never entered.
    for folder, dirs, files in os.walk(ROOT):
        top = Path(folder) == ROOT
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in _SKIP_DIRS and not d.endswith(".egg-info") and not (top and d in _SKIP_TOP)
        )
        for name in sorted(files):
            path = Path(folder) / name
            if path.suffix in _TEXT_SUFFIXES or name in {"Makefile", "run"}:
                yield path


@pytest.mark.parametrize(
    "folder",
    [WEIGHTING_DATA, test_r_core.HERE / "data", test_cli_estimate.DATA],
    ids=["r_weighting", "r_core", "cli_estimate"],
)
def test_r_datasets_are_read_from_inside_the_repository(folder: Path) -> None:
    resolved = folder.resolve()
    assert resolved.is_relative_to(ROOT), f"{resolved} lies outside {ROOT}"
    for name in R_DATASETS:
        assert (resolved / f"{name}.csv").is_file(), f"{name}.csv missing from {resolved}"


def test_the_r_datasets_have_one_copy_and_a_licence_note() -> None:
    copies = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "tests").rglob("api*.csv"))
    assert copies == sorted(f"tests/sampling/r_core/data/{name}.csv" for name in R_DATASETS)
    note = (WEIGHTING_DATA / "README.md").read_text(encoding="utf-8")
    assert "GPL-2 | GPL-3" in note and "Lumley" in note


def test_licence_file_is_the_apache_licence_that_pyproject_declares() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == {"text": "Apache-2.0"}
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.lstrip().startswith("Apache License")
    assert "Version 2.0, January 2004" in text and "END OF TERMS AND CONDITIONS" in text


def test_the_package_does_not_ship_the_tests_or_their_gpl_data() -> None:
    # setuptools matches these patterns with fnmatch against dotted package names.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = project["tool"]["setuptools"]["packages"]["find"]["include"]
    for package in ("tests", "tests.sampling", "tests.sampling.r_core", "tests.sampling.r_weighting"):
        assert not any(fnmatch.fnmatchcase(package, pattern) for pattern in include), package
    assert any(fnmatch.fnmatchcase("sampling", pattern) for pattern in include)


def test_no_file_refers_to_a_place_outside_the_repository() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _text_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _OUTSIDE.search(line)
    ]
    assert found == []


def test_relative_links_in_the_documentation_resolve() -> None:
    broken = []
    for path in (p for p in _text_files() if p.suffix == ".md"):
        for target in _LINK.findall(path.read_text(encoding="utf-8")):
            if not (path.parent / target.split("#", 1)[0]).exists():
                broken.append(f"{path.relative_to(ROOT)} -> {target}")
    assert broken == []


def test_readme_links_to_the_documentation() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = {target.split("#", 1)[0] for target in _LINK.findall(readme)}
    documents = {p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md")}
    assert {"docs/architecture.md", "docs/statistics.md", "docs/interfaces.md"} <= documents
    assert documents <= linked
    assert {"LICENSE", "CONTRIBUTING.md", "CHANGELOG.md"} <= linked
