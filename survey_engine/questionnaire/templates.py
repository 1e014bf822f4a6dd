"""Built-in questionnaire templates, shipped as JSON in ``templates/`` (package data).

Templates are loaded through :func:`load_definition`, so a shipped file is checked exactly like
an administrator's upload; each is parsed once per process and shared (definitions are frozen).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from survey_engine.questionnaire.definition import Questionnaire
from survey_engine.questionnaire.loader import load_definition

_DIR = Path(__file__).parent / "templates"


def list_templates() -> list[str]:
    """Ids of the built-in templates, sorted (e.g. ``["counter-3", "decree61-9", …]``)."""
    return sorted(p.stem for p in _DIR.glob("*.json"))


@cache
def get_template(template_id: str) -> Questionnaire:
    """The built-in template ``template_id``; ``KeyError`` if there is none."""
    if template_id not in list_templates():  # also stops path tricks such as "../x"
        raise KeyError(f"unknown questionnaire template {template_id!r}; known: {list_templates()}")
    return load_definition((_DIR / f"{template_id}.json").read_bytes())
