"""The criteria answers of a response as one short string, stored beside the JSON answers.

One character per criterion, in the questionnaire's criterion order (``index_structure``): the answer's
digit ("1"–"9") when it is a valid scale value, "x" for "don't know / not applicable", "." when the
criterion was not answered (or hidden). Estimation reads this column — or sums over it in SQL — instead of
parsing every JSON answer set, which is what makes estimates over a million responses take seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from survey_engine.questionnaire import Questionnaire, index_structure

DONT_KNOW_CHAR = "x"
MISSING_CHAR = "."


@dataclass(frozen=True)
class CriterionCode:
    code: str
    valid: frozenset[int]
    top: frozenset[int]
    dont_know: object
    element: str | None
    part: str | None


@dataclass(frozen=True)
class CriteriaLayout:
    """Which items are criteria, in which order, and how their answers are coded and grouped."""

    criteria: tuple[CriterionCode, ...]
    rule: str
    elements: tuple[tuple[str, tuple[str, ...]], ...]
    parts: tuple[tuple[str, tuple[str, ...]], ...]
    labels: Mapping[str, Mapping[str, str]]
    rule_description: Mapping[str, str]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.criteria)

    def encode(self, answers: Mapping[str, object]) -> str:
        out = []
        for c in self.criteria:
            value = answers.get(c.code)
            if isinstance(value, int) and not isinstance(value, bool) and value in c.valid and 0 < value < 10:
                out.append(str(value))
            elif value is not None and value == c.dont_know:
                out.append(DONT_KNOW_CHAR)
            else:
                out.append(MISSING_CHAR)
        return "".join(out)


def criteria_layout(q: Questionnaire) -> CriteriaLayout:
    """The criteria layout of a questionnaire (cache it per published version: it never changes)."""
    structure = index_structure(q)
    criteria = tuple(
        CriterionCode(
            code=c["code"],
            valid=frozenset(v for v in c.get("valid_values") or () if isinstance(v, int)),
            top=frozenset(v for v in c.get("top_values") or () if isinstance(v, int)),
            dont_know=c.get("dont_know"),
            element=c.get("element"),
            part=c.get("part"),
        )
        for c in structure["criteria"]
    )
    labels = {c["code"]: dict(c.get("labels") or {}) for c in structure["criteria"]}
    for group in (*structure.get("elements", []), *structure.get("parts", [])):
        labels[group["code"]] = dict(group.get("labels") or {})
    return CriteriaLayout(
        criteria=criteria,
        rule=str(structure.get("rule")),
        elements=tuple((e["code"], tuple(e["criteria"])) for e in structure.get("elements", [])),
        parts=tuple((p["code"], tuple(p["criteria"])) for p in structure.get("parts", [])),
        labels=labels,
        rule_description=dict(structure.get("rule_description") or {}),
    )
