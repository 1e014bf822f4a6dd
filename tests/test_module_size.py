"""Modules stay small enough to read in one sitting: no ``.py`` file over 700 lines (issue #12, item 6).

The rule covers the four packages and the tests. Migrations and template data are exempt, each for a
reason given below; every other long module is split by subject (``reports/scorecard_*.py``,
``sampling/calibration_*.py``) rather than exempted.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 700
FOLDERS = ("api", "survey_engine", "sampling", "reports", "tests")

# Not read as code, so not held to the limit. A folder exempts everything under it.
EXEMPT: dict[str, str] = {
    # Piccolo writes one module per schema change and a migration is never edited once released; its
    # length follows the tables it creates, not a reader's choice.
    "survey_engine/piccolo_migrations": "migrations",
}


def _line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def _exempt(relative: str) -> bool:
    return any(relative == key or relative.startswith(key + "/") for key in EXEMPT)


def _modules() -> dict[str, int]:
    """Line counts of every ``.py`` file in the checked folders, keyed by its path from the root."""
    counts: dict[str, int] = {}
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if not _exempt(relative):
                counts[relative] = _line_count(path)
    return counts


def test_no_module_is_over_the_limit() -> None:
    modules = _modules()
    assert len(modules) > 100, "the walk found too few modules: is ROOT right?"
    over = ", ".join(f"{p} ({n})" for p, n in sorted(modules.items()) if n > LIMIT)
    assert not over, f"modules over {LIMIT} lines (split them by subject): {over}"


def test_exemptions_name_paths_that_exist() -> None:
    missing = sorted(key for key in EXEMPT if not (ROOT / key).exists())
    assert not missing, "EXEMPT names paths that no longer exist: " + ", ".join(missing)
