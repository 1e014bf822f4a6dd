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
        """The code string of a validated answer set (booleans never reach here: validation rejects them
        on scale items, and a lookup by value would take True for 1)."""
        get = answers.get
        return "".join(
            table.get(value, MISSING_CHAR) if type(value) in (int, str) else MISSING_CHAR
            for code, table in self._tables
            for value in (get(code),)
        )

    @property
    def _tables(self) -> tuple[tuple[str, dict[object, str]], ...]:
        cached = self.__dict__.get("_tables_cache")
        if cached is None:
            cached = tuple((c.code, _code_table(c)) for c in self.criteria)
            object.__setattr__(self, "_tables_cache", cached)
        return cached


def _code_table(c: CriterionCode) -> dict[object, str]:
    """Answer value → code character of one criterion: its valid digits, then "don't know" (which wins
    if it is also a digit)."""
    table: dict[object, str] = {v: str(v) for v in c.valid if 0 < v < 10}
    if isinstance(c.dont_know, (int, str)):
        table[c.dont_know] = DONT_KNOW_CHAR
    return table


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
