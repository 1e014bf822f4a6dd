"""Per-item value checkers, built once per item (used by validation and by definition checks).

A checker takes a non-empty answer value and returns ``None`` when it is acceptable, or an
``(error_code, message)`` pair. Type checks are exact: ``bool`` is a subclass of ``int`` in
Python but a JSON ``true`` is never a scale value or a number.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from survey_engine.questionnaire.definition import (
    DEFAULT_MAX_LENGTH,
    DONT_KNOW,
    DONT_KNOW_OPTION,
    SCALE_TYPES,
    Item,
    Scale,
    Text,
)

Problem = tuple[str, Text]
Checker = Callable[[object], Problem | None]


def _type(vi: str, en: str) -> Problem:
    return ("type", Text(vi=vi, en=en))


# Characters refused in text answers: C0 controls except tab, LF and CR; DEL and the C1 controls; UTF-16
# surrogates (not encodable, so not storable) and the noncharacters U+FFFE/U+FFFF. None of them is typed
# by a respondent, and the C0 controls and U+FFFE/U+FFFF are not allowed in XML, so one of them in a stored
# answer breaks the XLSX export. Line/paragraph separators (U+2028/2029) and other format characters
# (zero-width joiners in emoji, bidirectional marks) are legitimate text, valid in XML, and are kept.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def is_empty(value: object) -> bool:
    """An answer that counts as "not answered": null, blank text, empty selection."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list) and not value


def make_checker(item: Item, scale: Scale | None) -> Checker:
    """Build the checker for ``item`` (``scale`` is the resolved scale of a scale-type item).

    Every message and set is built here, once per item; the returned closure only compares.
    """
    if item.type in SCALE_TYPES:
        assert scale is not None, "definition checks guarantee a scale"  # noqa: S101 - invariant, not input
        return _scale_checker(item, scale)
    build = _BUILDERS.get(item.type)
    if build is None:  # pragma: no cover - Literal is closed
        raise ValueError(f"unknown item type {item.type!r}")
    return build(item)


def _scale_checker(item: Item, scale: Scale) -> Checker:
    allowed = frozenset(p.value for p in scale.points)
    if item.allow_dont_know:
        allowed = allowed | {DONT_KNOW}
    lo, hi = min(p.value for p in scale.points), max(p.value for p in scale.points)
    dk_vi = f" hoặc {DONT_KNOW} (không biết)" if item.allow_dont_know else ""
    dk_en = f" or {DONT_KNOW} (don't know)" if item.allow_dont_know else ""
    range_msg = (
        "range",
        Text(vi=f"Giá trị phải từ {lo} đến {hi}{dk_vi}.", en=f"Value must be {lo} to {hi}{dk_en}."),
    )
    type_msg = _type("Giá trị phải là số nguyên.", "Value must be an integer.")

    def check_scale(v: object) -> Problem | None:
        if v.__class__ is not int:  # excludes bool, float, str
            return type_msg
        return None if v in allowed else range_msg

    return check_scale


def _single_checker(item: Item) -> Checker:
    codes = frozenset(o.code for o in item.options or ())
    if item.allow_dont_know:
        codes = codes | {DONT_KNOW_OPTION}
    type_msg = _type("Giá trị phải là mã phương án (chuỗi).", "Value must be an option code (string).")
    opt_msg = ("unknown_option", Text(vi="Phương án không hợp lệ.", en="Unknown option."))

    def check_single(v: object) -> Problem | None:
        if not isinstance(v, str):
            return type_msg
        return None if v in codes else opt_msg

    return check_single


def _multi_checker(item: Item) -> Checker:
    codes = frozenset(o.code for o in item.options or ())
    type_msg = _type("Giá trị phải là danh sách mã phương án.", "Value must be a list of option codes.")
    opt_msg = ("unknown_option", Text(vi="Có phương án không hợp lệ.", en="Unknown option in selection."))
    dup_msg = (
        "duplicate_option",
        Text(vi="Một phương án được chọn nhiều lần.", en="An option is selected more than once."),
    )

    def check_multi(v: object) -> Problem | None:
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            return type_msg
        if not codes.issuperset(v):
            return opt_msg
        return dup_msg if len(set(v)) != len(v) else None

    return check_multi


def _yesno_checker(item: Item) -> Checker:
    type_msg = _type("Giá trị phải là có (true) hoặc không (false).", "Value must be true or false.")
    return lambda v: None if v.__class__ is bool else type_msg


def _text_checker(item: Item) -> Checker:
    limit = item.max_length or DEFAULT_MAX_LENGTH
    type_msg = _type("Giá trị phải là văn bản.", "Value must be text.")
    long_msg = ("too_long", Text(vi=f"Tối đa {limit} ký tự.", en=f"At most {limit} characters."))
    control_msg = (
        "control_character",
        Text(
            vi="Văn bản có ký tự điều khiển không được phép.",
            en="The text contains a control character that is not allowed.",
        ),
    )
    has_control = _CONTROL.search

    def check_text(v: object) -> Problem | None:
        if not isinstance(v, str):
            return type_msg
        if len(v) > limit:
            return long_msg
        return control_msg if has_control(v) is not None else None

    return check_text


def _number_bounds(nlo: float | None, nhi: float | None) -> Text:
    """The message for a number outside [min, max] (at least one bound is set)."""
    if nlo is not None and nhi is not None:
        return Text(vi=f"Giá trị phải từ {nlo} đến {nhi}.", en=f"Value must be {nlo} to {nhi}.")
    if nlo is not None:
        return Text(vi=f"Giá trị phải lớn hơn hoặc bằng {nlo}.", en=f"Value must be at least {nlo}.")
    return Text(vi=f"Giá trị phải nhỏ hơn hoặc bằng {nhi}.", en=f"Value must be at most {nhi}.")


def _number_checker(item: Item) -> Checker:
    nlo, nhi, integer = item.min, item.max, item.integer
    type_msg = _type(
        "Giá trị phải là số nguyên." if integer else "Giá trị phải là số.",
        "Value must be an integer." if integer else "Value must be a number.",
    )
    range_msg = ("range", _number_bounds(nlo, nhi))

    def check_number(v: object) -> Problem | None:
        # bool is an int subclass: compare classes, not isinstance
        ok = v.__class__ is int or (v.__class__ is float and not integer and math.isfinite(v))
        if not ok:
            return type_msg
        if (nlo is not None and v < nlo) or (nhi is not None and v > nhi):  # type: ignore[operator]
            return range_msg
        return None

    return check_number


# Builders of the item types that have no scale, by type.
_BUILDERS: dict[str, Callable[[Item], Checker]] = {
    "single": _single_checker,
    "multi": _multi_checker,
    "yesno": _yesno_checker,
    "text": _text_checker,
    "number": _number_checker,
}
