"""Model formulas and model matrices for :mod:`sampling.glm`, named as R names them.

A small parser instead of patsy/formulaic: the term names must be R's (``(Intercept)``, ``x1``, ``x2B``,
``x1:x2B``), which neither library prints, and only a few formula forms are needed::

    y ~ x1 + C(x2) + factor(x3) + x1:x2 + x4*x5 - 1

* A name is a column (letters, digits, ``.`` and ``_``; R's syntactic names, e.g. ``sch.wide``).
* ``C(col)`` or ``factor(col)`` makes a column categorical; a column whose values are not numbers is
  categorical anyway (R's character columns). R would print ``C(x2)B``; we print ``x2B``, the name R
  prints for the same column used as a factor in the data (the documented contract of ``sipas glm``).
* Categorical columns are coded with treatment contrasts: the first level (sorted: numbers numerically,
  text by code point) is the reference, one 0/1 column per other level, named column + level.
* ``a:b`` is an interaction (the product of the two terms' columns, named ``a:b``); ``a*b`` is
  ``a + b + a:b``. As R orders them, main effects come first, then two-way terms, and so on. An
  interaction needs its main effects in the model (R then codes it with contrasts; without them R
  switches to a full dummy coding we do not reproduce).
* ``- 1`` or ``+ 0`` drops the intercept; the first categorical main effect then gets one column per level,
  as in R.

Levels are taken from the rows the model is fitted on (R's ``subset`` of a design keeps only the levels
present in a character column): a level with no row in a domain has no column there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sampling.errors import EstimationError

__all__ = ["Column", "Formula", "ModelMatrix", "Term", "model_matrix", "parse_formula"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_NAME = r"[A-Za-z.][A-Za-z0-9._]*"
_FACTOR_CALL = re.compile(rf"^(?:C|factor)\(\s*({_NAME})\s*\)$")
_PLAIN = re.compile(rf"^{_NAME}$")


@dataclass(frozen=True)
class Term:
    """One model term: the variables it multiplies and which of them were marked categorical."""

    variables: tuple[str, ...]
    marked_categorical: tuple[bool, ...]

    @property
    def label(self) -> str:
        """R's term label (``x2``, ``x1:x2``), used by Wald tests of whole terms."""
        return ":".join(self.variables)


@dataclass(frozen=True)
class Formula:
    """A parsed ``response ~ terms`` formula."""

    text: str
    response: str
    terms: tuple[Term, ...]
    intercept: bool

    @property
    def variables(self) -> tuple[str, ...]:
        """Every column the formula reads, response first, each once."""
        names = [self.response]
        for t in self.terms:
            names.extend(t.variables)
        return tuple(dict.fromkeys(names))

    def categorical_marks(self) -> dict[str, bool]:
        """Per predictor column: whether the formula marks it ``C(…)``/``factor(…)`` anywhere."""
        marks: dict[str, bool] = {}
        for t in self.terms:
            for name, mark in zip(t.variables, t.marked_categorical, strict=True):
                marks[name] = marks.get(name, False) or mark
        return marks


def _atom(text: str, formula: str) -> tuple[str, bool]:
    text = text.strip()
    m = _FACTOR_CALL.match(text)
    if m:
        return m.group(1), True
    if _PLAIN.match(text):
        return text, False
    raise EstimationError(
        f"formula {formula!r}: cannot read term {text!r} (use column names, C(col), a:b or a*b; "
        "compute transformed columns in the file)"
    )


def _expand(body: str, formula: str) -> list[Term]:
    """The terms of one ``+`` piece: ``a*b*c`` is every non-empty product; each factor may be ``a:b``."""
    expanded: list[list[str]] = [[]]
    for f in body.split("*"):
        expanded = expanded + [[*prev, f] for prev in expanded]
    terms: list[Term] = []
    for combo in expanded[1:]:
        atoms = [_atom(a, formula) for part in combo for a in part.split(":")]
        names = tuple(a[0] for a in atoms)
        if len(set(names)) != len(names):
            raise EstimationError(f"formula {formula!r}: a variable appears twice in term {body!r}")
        terms.append(Term(variables=names, marked_categorical=tuple(a[1] for a in atoms)))
    return terms


def parse_formula(text: str) -> Formula:
    """Parse ``y ~ x1 + C(x2) + x1:x3 + a*b - 1`` (see the module docstring)."""
    if text.count("~") != 1:
        raise EstimationError(f"formula {text!r} needs exactly one '~' (response ~ predictors)")
    left, right = (part.strip() for part in text.split("~"))
    if not _PLAIN.match(left):
        raise EstimationError(f"formula {text!r}: the response must be one column name, got {left!r}")
    # Split on + and - at the top level (parentheses only appear in C(...)).
    pieces = re.findall(r"([+-]?)\s*([^+-]+)", right.replace(" ", ""))
    if not right or not pieces:
        raise EstimationError(f"formula {text!r} has no predictors (write 'y ~ 1' for the mean only)")
    intercept = True
    seen: dict[tuple[str, ...], Term] = {}
    for sign, body in pieces:
        if body in ("0", "1"):
            intercept = intercept and not (body == "0" or sign == "-")
            continue
        if sign == "-":
            raise EstimationError(f"formula {text!r}: only '- 1' may be subtracted")
        for term in _expand(body, text):
            seen.setdefault(tuple(sorted(term.variables)), term)
    terms = sorted(seen.values(), key=lambda t: len(t.variables))  # stable: R's order by degree
    if left in {v for t in terms for v in t.variables}:
        raise EstimationError(f"formula {text!r}: the response {left!r} is also a predictor")
    for t in terms:
        missing = [v for v in t.variables if len(t.variables) > 1 and (v,) not in seen]
        if missing:
            raise EstimationError(
                f"formula {text!r}: interaction {t.label} needs the main effect {missing[0]} in the model"
            )
    if not terms and not intercept:
        raise EstimationError(f"formula {text!r} has no terms and no intercept")
    return Formula(text=text, response=left, terms=tuple(terms), intercept=intercept)


@dataclass(frozen=True)
class Column:
    """A predictor column as given: numbers (NaN missing) or category codes (−1 missing) with labels."""

    values: npt.NDArray[np.float64] | None = None
    codes: IntArray | None = None
    labels: tuple[str, ...] = ()

    @property
    def categorical(self) -> bool:
        return self.codes is not None

    def missing(self) -> npt.NDArray[np.bool_]:
        if self.codes is not None:
            return np.asarray(self.codes < 0)
        assert self.values is not None  # noqa: S101 - invariant of the constructors
        return np.asarray(np.isnan(self.values))

    @classmethod
    def of(cls, raw: npt.ArrayLike | tuple[npt.ArrayLike, Sequence[str]], name: str, n: int) -> Column:
        """From floats, from ``(codes, labels)``, or from labels (text; None/""/NaN missing)."""
        if isinstance(raw, tuple):
            codes = np.asarray(raw[0], dtype=np.int64)
            labels = tuple(str(v) for v in raw[1])
            if codes.shape != (n,):
                raise EstimationError(f"column {name!r} has {codes.shape[0]} rows, expected {n}")
            if codes.size and codes.max() >= len(labels):
                raise EstimationError(f"column {name!r} has a code without a label")
            return cls(codes=codes, labels=labels)
        arr = np.asarray(raw)
        if arr.shape != (n,):
            raise EstimationError(f"column {name!r} has shape {arr.shape}, expected ({n},)")
        if arr.dtype.kind in "biuf":
            return cls(values=arr.astype(np.float64))
        missing = np.array([v is None or v == "" or (isinstance(v, float) and v != v) for v in arr])
        text = np.where(missing, "", arr.astype(object)).astype(str)
        levels, inverse = np.unique(text[~missing], return_inverse=True)
        codes_out = np.full(n, -1, dtype=np.int64)
        codes_out[~missing] = inverse.reshape(-1)
        return cls(codes=codes_out, labels=tuple(str(v) for v in levels.tolist()))

    def as_categorical(self) -> Column:
        """Numbers used as categories (``C(x)`` on a numeric column): levels in numeric order."""
        if self.codes is not None:
            return self
        assert self.values is not None  # noqa: S101 - invariant of the constructors
        ok = ~np.isnan(self.values)
        levels, inverse = np.unique(self.values[ok], return_inverse=True)
        codes = np.full(self.values.shape[0], -1, dtype=np.int64)
        codes[ok] = inverse.reshape(-1)
        names = tuple(str(int(v)) if float(v).is_integer() else repr(float(v)) for v in levels.tolist())
        return Column(codes=codes, labels=names)


@dataclass(frozen=True)
class ModelMatrix:
    """The design matrix of the fitted rows: columns, their names and the term each belongs to.

    ``levels`` keeps, per categorical variable, the levels that got columns (reference first), so that
    predictions for new rows use the same coding.
    """

    x: FloatArray
    names: tuple[str, ...]
    term_of_column: tuple[int, ...]
    levels: Mapping[str, tuple[str, ...]]


def _term_columns(
    term: Term,
    columns: Mapping[str, Column],
    levels: Mapping[str, tuple[str, ...]],
    rows: IntArray,
    full: bool,
) -> tuple[list[FloatArray], list[str]]:
    """The columns of one term over ``rows``: products of each variable's coded columns."""
    parts: list[tuple[list[FloatArray], list[str]]] = []
    for var in term.variables:
        col = columns[var]
        if col.codes is None:
            assert col.values is not None  # noqa: S101 - invariant of the constructors
            parts.append(([col.values[rows]], [var]))
            continue
        kept = levels[var]
        lookup = {lab: i for i, lab in enumerate(col.labels)}
        codes = col.codes[rows]
        use = kept if full else kept[1:]
        parts.append(([(codes == lookup[lab]).astype(np.float64) for lab in use], [var + lab for lab in use]))
    cols, names = parts[0]
    for vals, labs in parts[1:]:
        # R varies the first factor fastest within an interaction (x1B:x2Y, x1C:x2Y, …).
        cols = [c * v for v in vals for c in cols]
        names = [f"{n}:{lab}" for lab in labs for n in names]
    return cols, names


def model_matrix(
    formula: Formula,
    columns: Mapping[str, Column],
    rows: IntArray,
    levels: Mapping[str, tuple[str, ...]] | None = None,
) -> ModelMatrix:
    """The model matrix of ``rows`` (indices into the columns), with R's column names and order.

    Without ``levels`` the levels of each categorical variable are those present in ``rows``; with them
    (predictions) the fitted model's levels are used and a value outside them is an error.
    """
    if levels is None:
        found: dict[str, tuple[str, ...]] = {}
        for name, col in columns.items():
            if col.codes is not None and name != formula.response:
                present = np.bincount(col.codes[rows][col.codes[rows] >= 0], minlength=len(col.labels)) > 0
                found[name] = tuple(lab for lab, p in zip(col.labels, present, strict=True) if p)
        levels = found
    else:
        for name, kept in levels.items():
            col = columns[name]
            assert col.codes is not None  # noqa: S101 - the fitted model coded it as categorical
            used = {col.labels[c] for c in np.unique(col.codes[rows]).tolist() if c >= 0}
            unknown = sorted(used - set(kept))
            if unknown:
                raise EstimationError(f"{name} = {unknown[0]!r} was not in the data the model was fitted on")
    x_cols: list[FloatArray] = []
    names: list[str] = []
    term_of: list[int] = []
    if formula.intercept:
        x_cols.append(np.ones(rows.shape[0]))
        names.append("(Intercept)")
        term_of.append(-1)
    full_done = formula.intercept
    for t_index, term in enumerate(formula.terms):
        cat_main = len(term.variables) == 1 and columns[term.variables[0]].categorical
        full = not full_done and cat_main
        full_done = full_done or cat_main
        cols, labs = _term_columns(term, columns, levels, rows, full)
        x_cols.extend(cols)
        names.extend(labs)
        term_of.extend([t_index] * len(cols))
    # Column-major: the QR (LAPACK) works on columns, so this saves a copy per iteration.
    x = np.empty((rows.shape[0], len(x_cols)), order="F")
    for j, c in enumerate(x_cols):
        x[:, j] = c
    return ModelMatrix(
        x=np.asarray(x, dtype=np.float64),
        names=tuple(names),
        term_of_column=tuple(term_of),
        levels=dict(levels),
    )
