"""The domain columns of the database estimates and the request's checks: what ``by``, ``series`` and
``calibrate`` accept, and how a value becomes a domain level (no value is the domain ``unknown``).

Split from :mod:`survey_engine.results.analysis` (see its docstring for what each domain means).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from survey_engine.errors import FieldProblem
from survey_engine.fieldwork.frames import DEMOGRAPHICS

SERIES = ("self-selected", "probability")
# Columns of the response itself (the original domains; the SQL of the default path uses only these).
DOMAIN_COLUMNS = ("agency", "service_point", "channel")
# The dossier's administrative field from the wave's frame; frame:<column> and item:<CODE> are prefixes.
FRAME_DOMAINS = ("field",)
FRAME_PREFIX, ITEM_PREFIX = "frame:", "item:"
UNKNOWN = "unknown"  # the domain of responses without a value for a domain column
CALIBRATIONS = ("none", "frame-agency", "frame-agency-field")
CALIBRATION_VARIABLES = {"frame-agency": ("agency",), "frame-agency-field": ("agency", "field")}
OVERALL = "SIPAS"


def check_by(by: Sequence[str]) -> list[FieldProblem]:
    """Problems with the domain columns that do not need the wave (syntax, duplicates)."""
    problems = []
    allowed = ", ".join((*DOMAIN_COLUMNS, *FRAME_DOMAINS, f"{FRAME_PREFIX}<column>", f"{ITEM_PREFIX}<CODE>"))
    for b in by:
        if b in DOMAIN_COLUMNS or b in FRAME_DOMAINS or b.startswith(ITEM_PREFIX):
            continue
        if b.startswith(FRAME_PREFIX):
            if b[len(FRAME_PREFIX) :] not in DEMOGRAPHICS:
                problems.append(
                    FieldProblem("by", f"unknown frame column {b}; use one of {', '.join(DEMOGRAPHICS)}")
                )
            continue
        problems.append(FieldProblem("by", f"unknown column {b}; use {allowed}"))
    if not by or len(set(by)) != len(by):
        problems.append(FieldProblem("by", "one or more distinct domain columns"))
    return problems


def needs_frame(columns: Sequence[str]) -> bool:
    return any(c in FRAME_DOMAINS or c.startswith(FRAME_PREFIX) for c in columns)


def domain_level(value: Any) -> str:
    """A domain level; no value (NULL, empty) is the explicit domain ``unknown``."""
    return UNKNOWN if value is None or value == "" else str(value)
