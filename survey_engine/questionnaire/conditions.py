"""Display conditions (``show_if``): a small, closed expression tree, never ``eval``.

A condition is stored in JSON as a tagged object, the tag in ``op``::

    {"op": "equals",   "item": "Q8_1", "value": true}
    {"op": "in",       "item": "A3",   "values": ["18_24", "25_34"]}
    {"op": "contains", "item": "Q2",   "value": "TV"}        # multi: option selected
    {"op": "answered", "item": "A1"}
    {"op": "not",      "cond": {...}}
    {"op": "all",      "conds": [{...}, ...]}
    {"op": "any",      "conds": [{...}, ...]}

Semantics (chosen so that hidden data never leaks into display logic):

* An item that is not answered, answered with ``null``, or itself hidden counts as *absent*.
* ``equals`` / ``in`` / ``contains`` on an absent item are false; ``not`` of them is true.
* Comparison is type-exact: ``true`` never equals ``1`` (Python's ``True == 1`` would say it does).

Conditions are compiled once into closures over a plain ``dict`` so that evaluating a
60-item questionnaire costs a few microseconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Annotated

import msgspec

#: JSON scalars a condition may compare against (option codes, scale values, booleans, numbers).
Scalar = str | int | float | bool

ItemCode = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class _Cond(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="op"):
    """Base of all condition nodes (the ``op`` field is the msgspec tag)."""


class Equals(_Cond, frozen=True, forbid_unknown_fields=True, tag="equals"):
    item: ItemCode
    value: Scalar


class In(_Cond, frozen=True, forbid_unknown_fields=True, tag="in"):
    item: ItemCode
    values: Annotated[list[Scalar], msgspec.Meta(min_length=1)]


class Contains(_Cond, frozen=True, forbid_unknown_fields=True, tag="contains"):
    item: ItemCode
    value: str


class Answered(_Cond, frozen=True, forbid_unknown_fields=True, tag="answered"):
    item: ItemCode


class Not(_Cond, frozen=True, forbid_unknown_fields=True, tag="not"):
    cond: Condition


class AllOf(_Cond, frozen=True, forbid_unknown_fields=True, tag="all"):
    conds: Annotated[list[Condition], msgspec.Meta(min_length=1)]


class AnyOf(_Cond, frozen=True, forbid_unknown_fields=True, tag="any"):
    conds: Annotated[list[Condition], msgspec.Meta(min_length=1)]


Condition = Equals | In | Contains | Answered | Not | AllOf | AnyOf

#: A compiled condition: takes the *effective* answers (hidden items already removed).
Predicate = Callable[[Mapping[str, object]], bool]


def _key(value: object) -> tuple[bool, object]:
    """Hashable, type-exact comparison key: ``True`` and ``1`` must not collide."""
    return (value.__class__ is bool, value)


def compile_condition(cond: Condition) -> Predicate:
    """Turn a condition tree into a closure; recursion happens once, here, not per evaluation."""
    if isinstance(cond, Equals):
        code, want = cond.item, _key(cond.value)
        return lambda a: (v := a.get(code)) is not None and _key(v) == want
    if isinstance(cond, In):
        code, wanted = cond.item, frozenset(_key(v) for v in cond.values)

        def _in(a: Mapping[str, object]) -> bool:
            v = a.get(code)
            if v is None:
                return False
            try:
                return _key(v) in wanted
            except TypeError:  # unhashable (a multi answer's list): never "in" a set of scalars
                return False

        return _in
    if isinstance(cond, Contains):
        code, opt = cond.item, cond.value
        return lambda a: isinstance(v := a.get(code), list) and opt in v
    if isinstance(cond, Answered):
        code = cond.item
        return lambda a: a.get(code) is not None
    if isinstance(cond, Not):
        inner = compile_condition(cond.cond)
        return lambda a: not inner(a)
    if isinstance(cond, AllOf):
        parts = tuple(compile_condition(c) for c in cond.conds)
        return lambda a: all(p(a) for p in parts)
    if isinstance(cond, AnyOf):
        parts = tuple(compile_condition(c) for c in cond.conds)
        return lambda a: any(p(a) for p in parts)
    raise TypeError(f"not a condition: {cond!r}")  # pragma: no cover - the union is closed


def walk(cond: Condition, path: str) -> Iterator[tuple[str, Equals | In | Contains | Answered]]:
    """Yield every leaf that references an item, with its JSON path (for definition errors)."""
    if isinstance(cond, Not):
        yield from walk(cond.cond, f"{path}.cond")
    elif isinstance(cond, AllOf | AnyOf):
        for i, c in enumerate(cond.conds):
            yield from walk(c, f"{path}.conds[{i}]")
    else:
        yield path, cond
