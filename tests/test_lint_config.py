"""The lint that `make test` runs: complexity (C90, at most 15), bugbear, simplify, pyupgrade and security."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_checks_cyclomatic_complexity_of_at_most_15() -> None:
    lint = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]["lint"]
    assert "C90" in lint["select"] or "C901" in lint["select"]
    assert "C901" not in lint.get("ignore", []) and "C90" not in lint.get("ignore", [])
    assert 1 <= lint["mccabe"]["max-complexity"] <= 15


def test_ruff_selects_bugbear_simplify_pyupgrade_and_security() -> None:
    lint = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]["lint"]
    for family in ("B", "SIM", "UP", "S"):
        assert family in lint["select"], family
        assert family not in lint.get("ignore", []), family
