"""Loading, checking and dumping questionnaire definitions.

:func:`load_definition` is the one entry point for untrusted JSON: msgspec enforces the shape,
:func:`check_definition` the cross-field rules, and every failure becomes a
:class:`DefinitionError` listing *all* problems with JSON paths (``$.items[3].show_if.item``)
so that an author can fix a definition in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator, Mapping
from typing import Any

import msgspec

from survey_engine.questionnaire._values import Checker, is_empty, make_checker
from survey_engine.questionnaire.conditions import Condition, Contains, walk
from survey_engine.questionnaire.definition import (
    DONT_KNOW_OPTION,
    MAX_SCORED_OPTIONS,
    SCALE_POINTS,
    SCALE_TYPES,
    SCORED_CHOICE_RULES,
    Item,
    Questionnaire,
)


class DefinitionProblem(msgspec.Struct, frozen=True):
    """One thing wrong with a definition: where (JSON path) and what."""

    path: str
    message: str


class DefinitionError(ValueError):
    """A questionnaire definition is malformed; ``problems`` lists every issue found."""

    def __init__(self, problems: list[DefinitionProblem]) -> None:
        self.problems = problems
        summary = "; ".join(f"{p.path}: {p.message}" for p in problems[:5])
        more = f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"invalid questionnaire definition: {summary}{more}")


_DECODER = msgspec.json.Decoder(Questionnaire)
_ENCODER = msgspec.json.Encoder()
_AT = re.compile(r" - at `(\$[^`]*)`$")


def load_definition(data: bytes | str | Mapping[str, Any]) -> Questionnaire:
    """Decode and check a definition. Raises :class:`DefinitionError` on any problem.

    ``data`` is JSON text, or the JSON object already decoded (a JSON column read back from the
    database), which msgspec converts directly: no ``json.dumps`` round trip, the same checks.
    """
    try:
        q = _DECODER.decode(data) if isinstance(data, (bytes, str)) else msgspec.convert(data, Questionnaire)
    except msgspec.ValidationError as exc:
        # msgspec reports the first structural error as "message - at `$.path`"
        msg = str(exc)
        m = _AT.search(msg)
        raise DefinitionError(
            [DefinitionProblem(m.group(1) if m else "$", msg[: m.start()] if m else msg)]
        ) from exc
    except msgspec.DecodeError as exc:
        raise DefinitionError([DefinitionProblem("$", f"not valid JSON: {exc}")]) from exc
    problems = check_definition(q)
    if problems:
        raise DefinitionError(problems)
    return q


def dump_definition(q: Questionnaire) -> bytes:
    """Encode a definition as compact JSON (defaults omitted); ``load_definition`` reverses it."""
    return _ENCODER.encode(q)


def dump_definition_pretty(q: Questionnaire) -> bytes:
    """Human-readable JSON (2-space indent, UTF-8 Vietnamese kept), used for the template files."""
    return msgspec.json.format(_ENCODER.encode(q), indent=2) + b"\n"


def check_definition(q: Questionnaire) -> list[DefinitionProblem]:
    """Cross-field checks msgspec cannot express; returns the problems (empty list = valid)."""
    return list(_problems(q))


def _problems(q: Questionnaire) -> Iterator[DefinitionProblem]:
    # Each step yields its problems and returns what the later steps look up, in the order authors read.
    section_pos = yield from _section_problems(q)
    yield from _scale_problems(q)
    groups = yield from _index_problems(q)
    item_pos, checkers, used_groups = yield from _item_problems(q, section_pos, groups)
    yield from _section_condition_problems(q, item_pos, checkers)
    if q.index is not None:
        for i, g in enumerate(q.index.groups):
            if g.code not in used_groups:
                yield DefinitionProblem(f"$.index.groups[{i}]", f"index group {g.code!r} has no criteria")


def _section_problems(q: Questionnaire) -> Generator[DefinitionProblem, None, dict[str, int]]:
    """Duplicate section codes; returns each section's position (its first occurrence)."""
    section_pos: dict[str, int] = {}
    for i, s in enumerate(q.sections):
        if s.code in section_pos:
            yield DefinitionProblem(f"$.sections[{i}].code", f"duplicate section code {s.code!r}")
        else:
            section_pos[s.code] = i
    return section_pos


def _scale_problems(q: Questionnaire) -> Iterator[DefinitionProblem]:
    for key, scale in q.scales.items():
        values = [p.value for p in scale.points]
        if values != list(range(1, len(values) + 1)):
            yield DefinitionProblem(f"$.scales.{key}.points", "scale values must be 1..k in ascending order")
        for v in scale.top_box:
            if v not in values:
                yield DefinitionProblem(
                    f"$.scales.{key}.top_box", f"top-box value {v} is not a point of the scale"
                )


def _index_problems(q: Questionnaire) -> Generator[DefinitionProblem, None, dict[str, int]]:
    """Duplicate part and group codes, groups of unknown parts; returns each group's position."""
    P = DefinitionProblem
    groups: dict[str, int] = {}
    if q.index is None:
        return groups
    parts = set()
    for i, p in enumerate(q.index.parts):
        if p.code in parts:
            yield P(f"$.index.parts[{i}].code", f"duplicate part code {p.code!r}")
        parts.add(p.code)
    for i, g in enumerate(q.index.groups):
        if g.code in groups:
            yield P(f"$.index.groups[{i}].code", f"duplicate group code {g.code!r}")
        groups[g.code] = i
        if g.part is not None and g.part not in parts:
            yield P(f"$.index.groups[{i}].part", f"unknown part {g.part!r}")
    yield from _rule_parameter_problems(q)
    return groups


def _rule_parameter_problems(q: Questionnaire) -> Iterator[DefinitionProblem]:
    """Weights (weighted_mean only: one positive weight per group, summing to 1), the multiplier
    (weighted_mean only) and bands (ascending, distinct codes)."""
    assert q.index is not None  # noqa: S101 - invariant, not input
    P = DefinitionProblem
    idx = q.index
    codes = [g.code for g in idx.groups]
    if idx.rule == "weighted_mean":
        if set(idx.weights) != set(codes):
            yield P("$.index.weights", "weighted_mean needs one weight per index group, and no other")
        elif any(not w > 0 for w in idx.weights.values()):
            yield P("$.index.weights", "weights must be positive")
        elif abs(sum(idx.weights.values()) - 1.0) > 1e-9:
            yield P("$.index.weights", "weights must sum to 1")
        if idx.parts:
            yield P("$.index.parts", "weighted_mean combines elements only (no parts)")
    else:
        if idx.weights:
            yield P("$.index.weights", "weights apply to the weighted_mean rule only")
        if idx.multiplier != 1.0:
            yield P("$.index.multiplier", "multiplier applies to the weighted_mean rule only")
    seen: set[str] = set()
    for i, b in enumerate(idx.bands):
        if b.code in seen:
            yield P(f"$.index.bands[{i}].code", f"duplicate band code {b.code!r}")
        seen.add(b.code)
        if i and not b.min > idx.bands[i - 1].min:
            yield P(f"$.index.bands[{i}].min", "bands must be listed from the lowest, minimums increasing")


_ItemsSeen = tuple[dict[str, int], dict[str, tuple[Item, Checker]], set[str]]


def _item_problems(
    q: Questionnaire, section_pos: dict[str, int], groups: dict[str, int]
) -> Generator[DefinitionProblem, None, _ItemsSeen]:
    """Every item's problems; returns the items' positions, the value checkers of the items sound
    enough to have one, and the index groups that have criteria."""
    P = DefinitionProblem
    item_pos: dict[str, int] = {}
    checkers: dict[str, tuple[Item, Checker]] = {}
    last_section = -1
    used_groups: set[str] = set()
    for i, it in enumerate(q.items):
        at = f"$.items[{i}]"
        if it.code in item_pos:
            yield P(f"{at}.code", f"duplicate item code {it.code!r}")

        sec = section_pos.get(it.section)
        if sec is None:
            yield P(f"{at}.section", f"unknown section {it.section!r}")
        elif sec < last_section:
            # one screen per section needs the items of a section to be contiguous and in order
            yield P(f"{at}.section", f"items of section {it.section!r} must follow the section order")
        else:
            last_section = sec

        yield from _item_shape(it, q, at)

        if it.show_if is not None:
            yield from _condition_refs(it.show_if, f"{at}.show_if", q, item_pos, checkers)

        if it.element is not None:
            if q.index is None:
                yield P(f"{at}.element", "element set but the questionnaire has no index")
            elif it.element not in groups:
                yield P(f"{at}.element", f"unknown index group {it.element!r}")
            else:
                used_groups.add(it.element)
                yield from _criterion_fits_rule(it, q, at)

        if it.code not in item_pos:
            item_pos[it.code] = i
            if (it.type not in SCALE_TYPES or (it.scale in q.scales)) and not _shape_broken(it):
                checkers[it.code] = (it, make_checker(it, q.scales.get(it.scale or "")))
    return item_pos, checkers, used_groups


def _section_condition_problems(
    q: Questionnaire, item_pos: dict[str, int], checkers: dict[str, tuple[Item, Checker]]
) -> Iterator[DefinitionProblem]:
    """Section conditions may look only at items of earlier sections."""
    for si, s in enumerate(q.sections):
        if s.show_if is None:
            continue
        first_item = next((i for i, it in enumerate(q.items) if it.section == s.code), len(q.items))
        earlier = {c: p for c, p in item_pos.items() if p < first_item}
        yield from _condition_refs(s.show_if, f"$.sections[{si}].show_if", q, earlier, checkers)


def _shape_broken(it: Item) -> bool:
    """Whether an item is too malformed to build a value checker for (problems already reported)."""
    return it.type in ("single", "multi") and not it.options


def _item_shape(it: Item, q: Questionnaire, at: str) -> Iterator[DefinitionProblem]:
    """Whether the item's fields fit its type: scale, options, and the fields of other types."""
    P = DefinitionProblem
    scale_problem = _scale_problem(it, q, at)  # a plain call: this runs for every item of every load
    if scale_problem is not None:
        yield scale_problem

    if it.type in ("single", "multi"):
        yield from _option_problems(it, at)
    elif it.options is not None:
        yield P(f"{at}.options", f"{it.type} item cannot have options")

    if it.allow_dont_know and it.type not in SCALE_TYPES and it.type != "single":
        yield P(f"{at}.allow_dont_know", f"don't know is not supported on {it.type} items")
    if it.type != "number":
        for name in ("min", "max"):
            if getattr(it, name) is not None:
                yield P(f"{at}.{name}", f"{name} applies to number items only")
        if it.integer:
            yield P(f"{at}.integer", "integer applies to number items only")
    elif it.min is not None and it.max is not None and it.min > it.max:
        yield P(f"{at}.min", "min is greater than max")
    if it.type != "text" and it.max_length is not None:
        yield P(f"{at}.max_length", "max_length applies to text items only")


def _scale_problem(it: Item, q: Questionnaire, at: str) -> DefinitionProblem | None:
    """A scale item needs a known scale with its type's number of points; other items have no scale."""
    P = DefinitionProblem
    if it.type not in SCALE_TYPES:
        return None if it.scale is None else P(f"{at}.scale", f"{it.type} item cannot have a scale")
    if it.scale is None:
        return P(f"{at}.scale", f"{it.type} item needs a scale")
    if it.scale not in q.scales:
        return P(f"{at}.scale", f"unknown scale {it.scale!r}")
    if len(q.scales[it.scale].points) != SCALE_POINTS[it.type]:
        return P(f"{at}.scale", f"{it.type} needs a {SCALE_POINTS[it.type]}-point scale")
    return None


def _option_problems(it: Item, at: str) -> Iterator[DefinitionProblem]:
    """Options of a single or multi item: present, distinct, none with the reserved don't-know code."""
    P = DefinitionProblem
    if not it.options:
        yield P(f"{at}.options", f"{it.type} item needs options")
    seen: set[str] = set()
    for j, o in enumerate(it.options or ()):
        if o.code in seen:
            yield P(f"{at}.options[{j}].code", f"duplicate option code {o.code!r}")
        if o.code == DONT_KNOW_OPTION:
            yield P(f"{at}.options[{j}].code", f"{DONT_KNOW_OPTION!r} is reserved for don't know")
        seen.add(o.code)


def _criterion_fits_rule(it: Item, q: Questionnaire, at: str) -> Iterator[DefinitionProblem]:
    assert q.index is not None  # noqa: S101 - invariant, not input
    P = DefinitionProblem
    rule = q.index.rule
    if rule == "top_box_share":
        scale = q.scales.get(it.scale or "")
        if it.type not in SCALE_TYPES:
            yield P(f"{at}.element", "top_box_share criteria must be scale items")
        elif scale is not None and not scale.top_box:
            yield P(f"{at}.scale", f"scale {it.scale!r} has no top_box values for the index")
    elif rule == "mean_score":
        if it.type not in SCALE_TYPES:
            yield P(f"{at}.element", "mean_score criteria must be scale items")
    elif rule == "score_sum" and it.type != "single":
        yield P(f"{at}.element", "score_sum criteria must be single-choice items")
    elif it.type not in SCALE_TYPES and it.type != "single":
        yield P(f"{at}.element", f"{rule} criteria must be scale or single-choice items")
    if rule in SCORED_CHOICE_RULES and it.type == "single":
        options = it.options or []
        if any(o.score is None for o in options):
            yield P(f"{at}.options", f"{rule} criteria need a score on every option")
        elif len(options) > MAX_SCORED_OPTIONS:
            yield P(f"{at}.options", f"a scored criterion has at most {MAX_SCORED_OPTIONS} options")
        elif len({o.score for o in options}) < 2:
            yield P(f"{at}.options", "a scored criterion needs at least two different scores")


def _condition_refs(
    cond: Condition,
    path: str,
    q: Questionnaire,
    earlier: dict[str, int],
    checkers: dict[str, tuple[Item, Checker]],
) -> Iterator[DefinitionProblem]:
    """Each leaf must name an *earlier* item and compare against a value that item can hold."""
    P = DefinitionProblem
    known = {it.code for it in q.items}
    for leaf_path, leaf in walk(cond, path):
        if leaf.item not in earlier:
            what = "a later or the same" if leaf.item in known else "an unknown"
            yield P(f"{leaf_path}.item", f"show_if refers to {what} item {leaf.item!r}")
            continue
        if leaf.item not in checkers:
            continue  # the referenced item is itself broken; that problem is already reported
        ref, check = checkers[leaf.item]
        if isinstance(leaf, Contains):
            if ref.type != "multi":
                yield P(f"{leaf_path}.op", f"contains needs a multi item, {leaf.item!r} is {ref.type}")
            elif check([leaf.value]) is not None:
                yield P(f"{leaf_path}.value", f"{leaf.value!r} is not an option of {leaf.item!r}")
            continue
        values = [leaf.value] if hasattr(leaf, "value") else getattr(leaf, "values", [])
        for k, v in enumerate(values):
            if ref.type == "multi":
                yield P(f"{leaf_path}.op", f"use contains for multi item {leaf.item!r}")
                break
            if is_empty(v) or check(v) is not None:
                sub = ".value" if hasattr(leaf, "value") else f".values[{k}]"
                yield P(f"{leaf_path}{sub}", f"{v!r} is not a possible answer to {leaf.item!r}")
