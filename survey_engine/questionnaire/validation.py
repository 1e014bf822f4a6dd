"""Answer validation and display state.

Policy decisions (documented because clients depend on them):

* **Hidden items are rejected, not dropped.** An answer to an item whose ``show_if`` (or whose
  section's ``show_if``) is false is an error ``not_shown``: silently discarding data hides
  client bugs and makes the stored response differ from what was sent. A form handler that
  wants "forget answers the respondent has since hidden" calls :func:`prune_hidden` first,
  explicitly.
* ``null``, blank text and an empty selection mean "not answered"; they are never an error
  except ``required`` on a *visible* required item.
* Display conditions see only answers that are visible and valid, so an invalid or hidden
  answer can never reveal further questions.
* Types are exact: ``true`` is not ``1``; ``4.0`` is not a scale value.

Error codes: ``unknown_item``, ``not_shown``, ``required``, ``type``, ``range``,
``unknown_option``, ``duplicate_option``, ``too_long``, ``control_character`` (a text answer holding a
C0/C1 control other than tab, LF and CR, DEL, a surrogate or U+FFFE/U+FFFF: refused at the door, because
such characters are never typed and break XML-based exports).
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Mapping
from typing import Final

import msgspec

from survey_engine.questionnaire._values import Checker, is_empty, make_checker
from survey_engine.questionnaire.conditions import Predicate, compile_condition
from survey_engine.questionnaire.definition import SCALE_TYPES, Questionnaire, Text


class AnswerError(msgspec.Struct, frozen=True):
    """One failing answer: ``item`` code, machine ``code`` and a bilingual ``message``."""

    item: str
    code: str
    message: Text


_UNKNOWN: Final = Text(vi="Câu hỏi không có trong phiếu khảo sát.", en="Unknown item.")
_NOT_SHOWN: Final = Text(
    vi="Câu hỏi này không hiển thị với các câu trả lời trước nên không được trả lời.",
    en="This item is not shown given the earlier answers and must not be answered.",
)
_REQUIRED: Final = Text(vi="Câu hỏi bắt buộc trả lời.", en="This item is required.")


class _Step:
    """One item of the compiled plan (slots: this loop is the hot path)."""

    __slots__ = ("check", "code", "new_section", "pred", "required", "section_pred")

    def __init__(
        self,
        code: str,
        check: Checker,
        pred: Predicate | None,
        required: bool,
        new_section: bool,
        section_pred: Predicate | None,
    ) -> None:
        self.code = code
        self.check = check
        self.pred = pred
        self.required = required
        self.new_section = new_section  # first item of its section: re-evaluate section_pred
        self.section_pred = section_pred


class _Plan:
    __slots__ = ("codes", "rows", "section_of", "steps")

    def __init__(self, q: Questionnaire) -> None:
        section_preds = {s.code: compile_condition(s.show_if) if s.show_if else None for s in q.sections}
        steps = []
        prev_section = None
        for it in q.items:
            steps.append(
                _Step(
                    it.code,
                    make_checker(it, q.scales.get(it.scale or "")),
                    compile_condition(it.show_if) if it.show_if else None,
                    it.required,
                    it.section != prev_section,
                    section_preds[it.section],
                )
            )
            prev_section = it.section
        self.steps: tuple[_Step, ...] = tuple(steps)
        # The same steps as plain tuples: unpacking one is cheaper than six attribute reads per item.
        self.rows: tuple[tuple[str, Checker, Predicate | None, bool, bool, Predicate | None], ...] = tuple(
            (st.code, st.check, st.pred, st.required, st.new_section, st.section_pred) for st in steps
        )
        self.codes: frozenset[str] = frozenset(it.code for it in q.items)
        self.section_of: dict[str, str] = {it.code: it.section for it in q.items}


# Compiled plans keyed by id(); the weak reference both detects id reuse and evicts the entry
# when the questionnaire is garbage-collected (frozen Structs holding lists are unhashable).
_PLANS: dict[int, tuple[weakref.ref[Questionnaire], _Plan]] = {}


def _plan(q: Questionnaire) -> _Plan:
    hit = _PLANS.get(id(q))
    if hit is not None and hit[0]() is q:
        return hit[1]
    plan = _Plan(q)
    key = id(q)
    _PLANS[key] = (weakref.ref(q, lambda _r: _PLANS.pop(key, None)), plan)
    return plan


def _run(q: Questionnaire, answers: Mapping[str, object], errors: list[AnswerError] | None) -> list[str]:
    """Walk the plan once: returns visible item codes, appends errors when a list is given."""
    visible: list[str] = []
    effective: dict[str, object] = {}  # what display conditions may see
    section_on = True
    get = answers.get
    for code, check, pred, required, new_section, section_pred in _plan(q).rows:
        if new_section:
            section_on = section_pred is None or section_pred(effective)
        value = get(code)
        if not section_on or (pred is not None and not pred(effective)):
            if errors is not None and not is_empty(value):
                errors.append(AnswerError(code, "not_shown", _NOT_SHOWN))
            continue
        visible.append(code)
        # An int (most answers: scale points) is never empty: skip the emptiness test for it.
        if value.__class__ is not int and is_empty(value):
            if errors is not None and required:
                errors.append(AnswerError(code, "required", _REQUIRED))
            continue
        problem = check(value)
        if problem is None:
            effective[code] = value
        elif errors is not None:
            errors.append(AnswerError(code, problem[0], problem[1]))
    return visible


def validate_answers(q: Questionnaire, answers: Mapping[str, object]) -> list[AnswerError]:
    """All problems with ``answers`` (item code → value); an empty list means valid.

    Errors come in questionnaire order, unknown items first.
    """
    if not isinstance(answers, Mapping):
        raise TypeError("answers must be a mapping of item code to value")
    codes = _plan(q).codes
    errors = [AnswerError(str(k), "unknown_item", _UNKNOWN) for k in answers if k not in codes]
    _run(q, answers, errors)
    return errors


def visible_items(q: Questionnaire, answers: Mapping[str, object]) -> list[str]:
    """Codes of the items shown given ``answers``, in questionnaire order (for server-side rendering)."""
    return _run(q, answers, None)


def visible_sections(q: Questionnaire, answers: Mapping[str, object]) -> list[str]:
    """Codes of the sections with at least one visible item, in order (one screen each)."""
    section_of = _plan(q).section_of
    out: list[str] = []
    for code in _run(q, answers, None):
        s = section_of[code]
        if not out or out[-1] != s:
            out.append(s)
    return out


def prune_hidden(q: Questionnaire, answers: Mapping[str, object]) -> dict[str, object]:
    """A copy of ``answers`` without answers to hidden items (unknown codes are kept, to be reported).

    Use it when a respondent may go back and change a screening answer (multi-page forms
    without JavaScript); :func:`validate_answers` itself rejects such answers.
    """
    shown = set(visible_items(q, answers))
    codes = _plan(q).codes
    return {k: v for k, v in answers.items() if k in shown or k not in codes}


_TRUE: Final = frozenset({"1", "true", "yes", "y", "có", "co", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "n", "không", "khong", "off"})


def normalise_form(
    q: Questionnaire, form: Mapping[str, str | list[str]], *, drop_unknown: bool = True
) -> dict[str, object]:
    """Convert HTML form strings (no-JavaScript pages, paper-entry CSV) to typed answers.

    Scale items → ``int``; ``yesno`` → ``bool`` (``1/0``, ``true/false``, ``yes/no``, ``có/không``);
    ``number`` → ``int`` or ``float``; ``multi`` → list (a repeated field); blank → omitted. Values
    that cannot be converted are passed through unchanged so that :func:`validate_answers`
    reports them with the usual error codes. Keys that are not items (CSRF token, buttons) are
    dropped unless ``drop_unknown`` is false.
    """
    types = {it.code: it.type for it in q.items}
    out: dict[str, object] = {}
    for key, raw in form.items():
        kind = types.get(key)
        if kind is None:
            if not drop_unknown:
                out[key] = raw
            continue
        if kind == "multi":
            values = [raw] if isinstance(raw, str) else list(raw)
            values = [v for v in values if v.strip()]
            if values:
                out[key] = values
            continue
        if isinstance(raw, list):  # a scalar item posted twice: keep the last, as browsers' forms do
            if not raw:
                continue
            raw = raw[-1]
        text = raw.strip()
        if not text:
            continue
        out[key] = _convert(kind, text, raw)
    return out


def _convert(kind: str, text: str, raw: str) -> object:
    if kind in SCALE_TYPES:
        try:
            return int(text)
        except ValueError:
            return raw
    if kind == "yesno":
        low = text.lower()
        return True if low in _TRUE else False if low in _FALSE else raw
    if kind == "number":
        try:
            return int(text)
        except ValueError:
            pass
        try:
            f = float(text.replace(",", "."))  # Vietnamese decimal comma
        except ValueError:
            return raw
        return f if math.isfinite(f) else raw
    if kind == "single":
        return text
    return raw  # text: keep the respondent's spacing
