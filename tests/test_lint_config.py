"""The lint that `make test` runs keeps functions small: ruff's McCabe check (C90) with a limit of 15."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_checks_cyclomatic_complexity_of_at_most_15() -> None:
    lint = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]["lint"]
    assert "C90" in lint["select"] or "C901" in lint["select"]
    assert "C901" not in lint.get("ignore", []) and "C90" not in lint.get("ignore", [])
    assert 1 <= lint["mccabe"]["max-complexity"] <= 15
