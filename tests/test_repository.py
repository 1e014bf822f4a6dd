"""The repository stands alone: a clone with nothing beside it has every file its tests read."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import pytest

from tests.sampling import test_cli_estimate, test_r_core
from tests.sampling.r_weighting import DATA as WEIGHTING_DATA

ROOT = Path(__file__).resolve().parent.parent

# Every R dataset that a test reads by name (test_cli_planning reads apipop.csv and apiclus1.csv).
R_DATASETS = ("apipop", "apistrat", "apiclus1", "apiclus2")


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
