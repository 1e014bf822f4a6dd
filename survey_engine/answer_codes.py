"""The criteria answers of a response as one short string, stored beside the JSON answers.

One character per criterion, in the questionnaire's criterion order (``index_structure``): the answer's
digit ("1"–"9") when it is a valid scale value, or for a scored single-choice criterion (Decree 61) the
option's position in the option list ("1" for the first), "x" for "don't know / not applicable", "."
when the criterion was not answered (or hidden). Each criterion's ``scores`` give the number a code
character stands for under the index rule (1/0 for the top box, the scale point, the option's score).
Estimation reads this column — or sums over it in SQL — instead of
parsing every JSON answer set, which is what makes estimates over a million responses take seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

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
    choices: tuple[str, ...] = ()  # option codes of a scored single-choice criterion, in code order
    scores: Mapping[str, int] = field(default_factory=dict)  # code character → its score under the rule
    low: int = 0  # lowest and highest score a valid answer can have
    high: int = 1


@dataclass(frozen=True)
class CriteriaLayout:
    """Which items are criteria, in which order, and how their answers are coded and grouped."""

    criteria: tuple[CriterionCode, ...]
    rule: str
    elements: tuple[tuple[str, tuple[str, ...]], ...]
    parts: tuple[tuple[str, tuple[str, ...]], ...]
    labels: Mapping[str, Mapping[str, str]]
    rule_description: Mapping[str, str]
    weights: Mapping[str, float] = field(default_factory=dict)  # weighted_mean: element → weight
    multiplier: float = 1.0
    bands: tuple[tuple[str, Mapping[str, str], float], ...] = ()  # (code, labels, min), from the lowest
    source: Mapping[str, str] | None = None

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
    table.update({code: str(i + 1) for i, code in enumerate(c.choices)})
    if isinstance(c.dont_know, (int, str)):
        table[c.dont_know] = DONT_KNOW_CHAR
    return table


def _criterion(c: Mapping[str, object], rule: str) -> CriterionCode:
    valid = frozenset(v for v in c.get("valid_values") or () if isinstance(v, int))  # type: ignore[attr-defined]
    top = frozenset(v for v in c.get("top_values") or () if isinstance(v, int))  # type: ignore[attr-defined]
    option_scores: Mapping[str, int] = c.get("scores") or {}  # type: ignore[assignment]
    choices = tuple(option_scores) if c.get("type") == "single" else ()
    if choices:
        scores = {str(i + 1): int(option_scores[code]) for i, code in enumerate(choices)}
    elif rule == "top_box_share":
        scores = {str(v): int(v in top) for v in valid if 0 < v < 10}
    else:
        scores = {str(v): v for v in valid if 0 < v < 10}
    values = list(scores.values()) or [0, 1]
    low, high = (0, 1) if rule == "top_box_share" else (min(values), max(values))
    return CriterionCode(
        code=str(c["code"]),
        valid=valid,
        top=top,
        dont_know=c.get("dont_know"),
        element=c.get("element"),  # type: ignore[arg-type]
        part=c.get("part"),  # type: ignore[arg-type]
        choices=choices,
        scores=scores,
        low=low,
        high=high,
    )


def criteria_layout(q: Questionnaire) -> CriteriaLayout:
    """The criteria layout of a questionnaire (cache it per published version: it never changes)."""
    structure = index_structure(q)
    rule = str(structure.get("rule"))
    criteria = tuple(_criterion(c, rule) for c in structure["criteria"])
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
        weights=dict(structure.get("weights") or {}),
        multiplier=float(structure.get("multiplier") or 1.0),
        bands=tuple((b["code"], dict(b["labels"]), float(b["min"])) for b in structure.get("bands") or []),
        source=structure.get("source"),
    )
