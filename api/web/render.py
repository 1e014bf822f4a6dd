"""View models for the form pages: questionnaire items → plain dicts the Jinja templates render.

Nothing here touches HTTP; everything the templates print goes through Jinja's autoescaping.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from api.web.i18n import PAGE, translator
from survey_engine.questionnaire import (
    DONT_KNOW,
    DONT_KNOW_OPTION,
    SCALE_TYPES,
    AnswerError,
    Item,
    Questionnaire,
    visible_items,
)
from survey_engine.questionnaire.conditions import walk


def _choices(q: Questionnaire, it: Item, lang: str) -> list[dict[str, str]]:
    """(value, label) pairs of a choice item, as the form posts them."""
    if it.type in SCALE_TYPES:
        scale = q.scales[it.scale or ""]
        out = [{"value": str(p.value), "label": p.labels.get(lang)} for p in scale.points]
        if it.allow_dont_know:
            out.append({"value": str(DONT_KNOW), "label": q.dont_know_label.get(lang), "dk": "1"})
        return out
    if it.type == "yesno":
        t = translator(lang, PAGE)
        return [{"value": "1", "label": t("yes")}, {"value": "0", "label": t("no")}]
    if it.type in ("single", "multi"):
        out = [{"value": o.code, "label": o.labels.get(lang)} for o in it.options or []]
        if it.type == "single" and it.allow_dont_know:
            out.append({"value": DONT_KNOW_OPTION, "label": q.dont_know_label.get(lang), "dk": "1"})
        return out
    return []


def form_value(it: Item, value: object) -> list[str]:
    """An answer as the strings an HTML form would post (to re-check boxes, refill fields)."""
    if value is None:
        return []
    if isinstance(value, bool):
        return ["1" if value else "0"]
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def display_value(q: Questionnaire, it: Item, value: object, lang: str) -> str:
    """An answer as the respondent saw it (for the review screen)."""
    if value is None or value == "" or value == []:
        return ""
    labels = {c["value"]: c["label"] for c in _choices(q, it, lang)}
    if labels:
        return "; ".join(labels.get(v, v) for v in form_value(it, value))
    return str(value)


def same_screen_dependencies(q: Questionnaire, section: str) -> set[str]:
    """Items of ``section`` whose display depends on another item of the same section."""
    codes = {it.code for it in q.items if it.section == section}
    out: set[str] = set()
    for it in q.items:
        if (
            it.section == section
            and it.show_if is not None
            and any(leaf.item in codes for _, leaf in walk(it.show_if, "show_if"))
        ):
            out.add(it.code)
    return out


def condition_inputs(q: Questionnaire, section: str) -> list[str]:
    """Item codes that same-screen display conditions read (for the client-side show/hide)."""
    refs: set[str] = set()
    for it in q.items:
        if it.section == section and it.show_if is not None:
            refs.update(leaf.item for _, leaf in walk(it.show_if, "show_if"))
    return sorted(refs)


def screen_items(
    q: Questionnaire,
    section: str,
    answers: Mapping[str, object],
    errors: Mapping[str, str],
    lang: str,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Items to render on ``section`` and the codes currently visible among them.

    Items hidden only because of an answer on this same screen are rendered with ``hidden`` so
    that the optional script can reveal them; without JavaScript the server reveals them on post.
    """
    visible = set(visible_items(q, answers))
    dependent = same_screen_dependencies(q, section)
    out: list[dict[str, Any]] = []
    shown: list[str] = []
    for it in q.items:
        if it.section != section:
            continue
        if it.code not in visible and it.code not in dependent:
            continue
        if it.code in visible:
            shown.append(it.code)
        value = answers.get(it.code)
        hint = ""
        if it.type == "text":
            hint = translator(lang, PAGE)("max_chars", n=it.max_length or 2000)
        elif it.type == "number" and it.min is not None and it.max is not None:
            hint = translator(lang, PAGE)("range", min=it.min, max=it.max)
        out.append(
            {
                "code": it.code,
                "type": it.type,
                "ref": it.ref,
                "label": it.labels.get(lang),
                "help": it.help.get(lang) if it.help else "",
                "hint": hint,
                "required": it.required,
                "choices": _choices(q, it, lang),
                "chosen": form_value(it, value),
                "text": "" if value is None or isinstance(value, list | bool) else str(value),
                "error": errors.get(it.code, ""),
                "hidden": it.code not in visible,
                "show_if": msgspec.json.encode(it.show_if).decode() if it.code in dependent else "",
                "anchor": f"{it.code}-0"
                if it.type in SCALE_TYPES | {"single", "multi", "yesno"}
                else it.code,
                "max_length": it.max_length or 2000,
                "kind": "choice" if it.type in SCALE_TYPES | {"single", "multi", "yesno"} else it.type,
                # long scales (5 points + don't know) read best as a vertical list on phones
            }
        )
    return out, shown


def error_map(errors: list[AnswerError], lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in errors:
        out.setdefault(e.item, e.message.get(lang))
    return out


def review_sections(q: Questionnaire, answers: Mapping[str, object], lang: str) -> list[dict[str, Any]]:
    visible = visible_items(q, answers)
    by_section: dict[str, list[dict[str, str]]] = {}
    for code in visible:
        it = q.item(code)
        by_section.setdefault(it.section, []).append(
            {
                "ref": it.ref,
                "label": it.labels.get(lang),
                "answer": display_value(q, it, answers.get(code), lang),
            }
        )
    return [
        {"code": s.code, "title": s.title.get(lang), "rows": by_section[s.code]}
        for s in q.sections
        if s.code in by_section
    ]
