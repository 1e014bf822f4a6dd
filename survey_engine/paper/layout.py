"""The paper layout of a questionnaire, and the keys a clerk types for each answer.

One layout serves the printed form (``reports/paper_form.py`` draws it) and the data-entry screen (which
mirrors it field for field), so what a clerk reads on paper is what the screen asks for:

* every question keeps its official number (``Item.ref`` without the leading ``Q``: ``8.3``, ``9.II.A.1``);
* every answer box carries the digit the clerk keys: scale points their value (1–k), options their
  position (1, 2, …), yes 1 and no 2, "don't know / not applicable" 0;
* a multiple choice is keyed as the digits of the ticked boxes (``135``; with more than nine options,
  numbers separated by spaces); text and numbers are typed as written; an empty field is "not answered".

Display logic (``show_if`` of sections and items) becomes plain instructions: the first question of a
conditional run says "Answer questions 9.II.A.1–9.II.E.3 only if …; otherwise go to question 10.1", and
when the run depends on one earlier choice question, the boxes that skip it say "→ go to question 10.1".
The printed words are Vietnamese (the respondents' language); the screen uses the same layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from survey_engine.questionnaire import Questionnaire
from survey_engine.questionnaire.conditions import (
    AllOf,
    Answered,
    AnyOf,
    Condition,
    Contains,
    Equals,
    In,
    Not,
)
from survey_engine.questionnaire.definition import DONT_KNOW, DONT_KNOW_OPTION, SCALE_TYPES, Item


@dataclass(frozen=True)
class PaperChoice:
    """One tick box: the digit keyed for it, its label and, when ticking it skips questions, where to go."""

    key: str
    label: str
    goto: str = ""


@dataclass(frozen=True)
class PaperQuestion:
    code: str
    number: str
    text: str
    kind: str  # scale | single | yesno | multi | text | number
    choices: list[PaperChoice]
    instruction: str = ""  # printed above the question (a skip rule starting here)
    required: bool = False
    scale: str = ""  # the scale's name: neighbouring questions on one scale print as one grid
    max_length: int | None = None


@dataclass(frozen=True)
class PaperSection:
    code: str
    title: str
    description: str
    questions: list[PaperQuestion] = field(default_factory=list)


@dataclass(frozen=True)
class PaperLayout:
    title: str
    description: str
    sections: list[PaperSection]

    def questions(self) -> list[PaperQuestion]:
        return [q for s in self.sections for q in s.questions]


def question_number(item: Item, position: int) -> str:
    ref = item.ref.strip()
    if not ref:
        return str(position)
    return ref[1:] if ref[:1] in "Qq" and len(ref) > 1 and not ref[1].isalpha() else ref


def _choices(q: Questionnaire, item: Item) -> tuple[str, list[PaperChoice]]:
    if item.type in SCALE_TYPES and item.scale:
        scale = q.scales[item.scale]
        choices = [PaperChoice(str(p.value), p.labels.vi) for p in scale.points]
        name = item.scale
    elif item.type == "yesno":
        choices, name = [PaperChoice("1", "Có"), PaperChoice("2", "Không")], ""
    elif item.type in ("single", "multi"):
        choices = [PaperChoice(str(n), o.labels.vi) for n, o in enumerate(item.options or [], start=1)]
        name = ""
    else:
        return "", []
    if item.allow_dont_know and item.type != "multi":
        choices.append(PaperChoice("0", q.dont_know_label.vi))
    return name, choices


def _kind(item: Item) -> str:
    if item.type in SCALE_TYPES:
        return "scale"
    return item.type


def answer_key(q: Questionnaire, item: Item, value: object) -> str:
    """The key that stands for an answer value (also how a condition's value is named on paper)."""
    if item.type == "yesno":
        return "1" if value is True else "2"
    if item.type in ("single", "multi"):
        if value == DONT_KNOW_OPTION:
            return "0"
        codes = [o.code for o in item.options or []]
        return str(codes.index(str(value)) + 1) if value in codes else str(value)
    return str(value)


def _value_label(q: Questionnaire, item: Item, value: object) -> str:
    key = answer_key(q, item, value)
    for choice in _choices(q, item)[1]:
        if choice.key == key:
            return f"“{choice.label}”"
    return f"“{value}”"


def describe(q: Questionnaire, cond: Condition, numbers: dict[str, str]) -> str:
    """A condition in plain Vietnamese, naming questions by their printed number."""
    if isinstance(cond, Equals):
        item = q.item(cond.item)
        return f"câu {numbers[cond.item]} là {_value_label(q, item, cond.value)}"
    if isinstance(cond, In):
        item = q.item(cond.item)
        labels = " hoặc ".join(_value_label(q, item, v) for v in cond.values)
        return f"câu {numbers[cond.item]} là {labels}"
    if isinstance(cond, Contains):
        item = q.item(cond.item)
        return f"câu {numbers[cond.item]} có đánh dấu {_value_label(q, item, cond.value)}"
    if isinstance(cond, Answered):
        return f"câu {numbers[cond.item]} có trả lời"
    if isinstance(cond, Not):
        return f"không phải trường hợp ({describe(q, cond.cond, numbers)})"
    if isinstance(cond, AllOf):
        return " và ".join(describe(q, c, numbers) for c in cond.conds)
    if isinstance(cond, AnyOf):
        return " hoặc ".join(describe(q, c, numbers) for c in cond.conds)
    raise TypeError(f"not a condition: {cond!r}")  # pragma: no cover - the union is closed


def _conditions(q: Questionnaire, item: Item) -> tuple[Condition, ...]:
    section = next(s for s in q.sections if s.code == item.section)
    return tuple(c for c in (section.show_if, item.show_if) if c is not None)


def _single_choice_rule(q: Questionnaire, conds: tuple[Condition, ...]) -> tuple[str, set[str]] | None:
    """(item, keys that keep the run) when the run depends on one choice question only, else None."""
    if len(conds) != 1:
        return None
    cond = conds[0]
    if isinstance(cond, Equals):
        values: list[object] = [cond.value]
    elif isinstance(cond, In):
        values = list(cond.values)
    else:
        return None
    item = q.item(cond.item)
    if item.type not in ("yesno", "single", *SCALE_TYPES):
        return None
    return cond.item, {answer_key(q, item, v) for v in values}


def paper_layout(q: Questionnaire) -> PaperLayout:
    """The questionnaire as printed (and keyed): sections, numbered questions, boxes and skip rules."""
    numbers = {item.code: question_number(item, n) for n, item in enumerate(q.items, start=1)}
    conds = [_conditions(q, item) for item in q.items]
    encoded = [msgspec.json.encode(list(c)) for c in conds]
    instructions: dict[str, str] = {}
    gotos: dict[tuple[str, str], str] = {}
    start = 0
    while start < len(q.items):
        end = start
        while end + 1 < len(q.items) and encoded[end + 1] == encoded[start]:
            end += 1
        if conds[start]:
            first, last = q.items[start], q.items[end]
            span = numbers[first.code] if start == end else f"{numbers[first.code]} đến {numbers[last.code]}"
            said = " và ".join(describe(q, c, numbers) for c in conds[start])
            after = f"câu {numbers[q.items[end + 1].code]}" if end + 1 < len(q.items) else "cuối phiếu"
            instructions[first.code] = f"Chỉ trả lời câu {span} nếu {said}. Nếu không, chuyển đến {after}."
            rule = _single_choice_rule(q, conds[start])
            if rule is not None:
                source, keeps = rule
                for choice in _choices(q, q.item(source))[1]:
                    if choice.key not in keeps:
                        gotos[(source, choice.key)] = after
        start = end + 1
    sections: list[PaperSection] = []
    by_section: dict[str, PaperSection] = {}
    for s in q.sections:
        section = PaperSection(s.code, s.title.vi, s.description.vi if s.description else "")
        by_section[s.code] = section
        sections.append(section)
    for item in q.items:
        scale, choices = _choices(q, item)
        choices = [PaperChoice(c.key, c.label, gotos.get((item.code, c.key), "")) for c in choices]
        by_section[item.section].questions.append(
            PaperQuestion(
                code=item.code,
                number=numbers[item.code],
                text=item.labels.vi,
                kind=_kind(item),
                choices=choices,
                instruction=instructions.get(item.code, ""),
                required=item.required,
                scale=scale,
                max_length=item.max_length,
            )
        )
    return PaperLayout(
        title=q.title.vi,
        description=q.description.vi if q.description else "",
        sections=[s for s in sections if s.questions],
    )


# -- keys → answers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyProblem:
    item: str
    message_vi: str
    message_en: str


def normalise_keys(q: Questionnaire, raw: dict[str, str]) -> dict[str, str]:
    """The keyed fields trimmed, multi choices in one spelling (sorted, space-separated), empties dropped:
    two keyings of the same paper compare equal whatever spacing each clerk used."""
    keys: dict[str, str] = {}
    for item in q.items:
        text = (
            " ".join(str(raw.get(item.code, "")).split())
            if item.type != "text"
            else str(raw.get(item.code, "")).strip()
        )
        if not text:
            continue
        if item.type == "multi":
            parts = text.replace(",", " ").split()
            if len(parts) == 1 and len(item.options or []) <= 9 and parts[0].isdigit():
                parts = list(parts[0])
            if all(p.isdigit() for p in parts):  # otherwise left as typed: answers_from_keys reports it
                text = " ".join(str(n) for n in sorted({int(p) for p in parts}))
        keys[item.code] = text
    return keys


def answers_from_keys(q: Questionnaire, keys: dict[str, str]) -> tuple[dict[str, object], list[KeyProblem]]:
    """The answers the keys stand for, and the keys that stand for nothing (a box the item does not have)."""
    answers: dict[str, object] = {}
    problems: list[KeyProblem] = []
    for item in q.items:
        text = keys.get(item.code)
        if text is None:
            continue
        value = _value(q, item, text)
        if value is None:
            allowed = ", ".join(c.key for c in _choices(q, item)[1])
            problems.append(
                KeyProblem(
                    item.code,
                    f"“{text}” không phải là ô của câu này (các ô: {allowed}).",
                    f"“{text}” is not a box of this question (boxes: {allowed}).",
                )
                if allowed
                else KeyProblem(item.code, f"“{text}” không phải là số.", f"“{text}” is not a number.")
            )
        else:
            answers[item.code] = value
    return answers, problems


def _value(q: Questionnaire, item: Item, text: str) -> object | None:
    if item.type == "text":
        return text
    if item.type == "number":
        try:
            return int(text) if item.integer or text.lstrip("-").isdigit() else float(text.replace(",", "."))
        except ValueError:
            return None
    if item.type == "multi":
        options = item.options or []
        try:
            picked = sorted({int(p) for p in text.split()})
        except ValueError:
            return None
        if not picked or any(n < 1 or n > len(options) for n in picked):
            return None
        return [options[n - 1].code for n in picked]
    if not text.isdigit():
        return None
    number = int(text)
    if item.type == "yesno":
        return {1: True, 2: False}.get(number)
    if number == 0:
        if not item.allow_dont_know:
            return None
        return DONT_KNOW if item.type in SCALE_TYPES else DONT_KNOW_OPTION
    if item.type in SCALE_TYPES:
        points = [p.value for p in q.scales[item.scale].points] if item.scale else []
        return number if number in points else None
    options = item.options or []
    return options[number - 1].code if 1 <= number <= len(options) else None
