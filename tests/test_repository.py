"""The repository stands alone: a clone with nothing beside it has every file its tests read."""

from __future__ import annotations

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
