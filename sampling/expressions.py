"""A small, safe expression language for non-linear contrasts (R's ``svycontrast(est, quote(log(a/b)))``).

An expression is parsed with :mod:`ast` and only these nodes are accepted: numbers, names, ``+ - * / **``,
unary ``-``/``+``, and calls of ``log``, ``exp`` and ``sqrt`` with one argument (R's ``^`` is accepted as
``**``). Nothing is ever evaluated by Python: :func:`evaluate` walks the tree itself, in forward-mode
automatic differentiation, so it returns the value and the exact gradient with respect to every name —
what the delta method needs (R differentiates the same expression symbolically with ``deriv``; both are
exact, so the two agree to rounding).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sampling.errors import EstimationError

__all__ = ["Expression", "evaluate", "parse_expression"]

FloatArray = npt.NDArray[np.float64]
FUNCTIONS = ("log", "exp", "sqrt")
MAX_LENGTH = 500  # an expression longer than this is refused before it is parsed
MAX_NODES = 200


@dataclass(frozen=True)
class Expression:
    """A parsed expression and the names it uses, in order of first use."""

    text: str
    tree: ast.expr
    names: tuple[str, ...]


def _check(node: ast.AST, names: list[str]) -> None:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise EstimationError(f"only numbers are allowed as constants, not {node.value!r}")
    elif isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise EstimationError(f"{node.id} is a function: call it, as {node.id}(x)")
        if node.id not in names:
            names.append(node.id)
    elif isinstance(node, ast.BinOp):
        if not isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div | ast.Pow):
            raise EstimationError("only + - * / ** (or ^) are allowed between terms")
        _check(node.left, names)
        _check(node.right, names)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd):
            raise EstimationError("only unary - and + are allowed")
        _check(node.operand, names)
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise EstimationError(f"only the functions {', '.join(FUNCTIONS)} are allowed")
        if len(node.args) != 1 or node.keywords:
            raise EstimationError(f"{node.func.id} takes exactly one argument")
        _check(node.args[0], names)
    else:
        raise EstimationError(f"not allowed in an expression: {type(node).__name__}")


def parse_expression(text: str) -> Expression:
    """Parse ``text`` (e.g. ``"log(a/b)"``); a clear :class:`EstimationError` for anything else."""
    source = text.strip().replace("^", "**")
    if not source:
        raise EstimationError("the expression is empty")
    if len(source) > MAX_LENGTH:
        raise EstimationError(f"the expression is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise EstimationError(f"the expression {text!r} is not valid: {exc.msg}") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise EstimationError(f"the expression has more than {MAX_NODES} parts")
    names: list[str] = []
    _check(tree.body, names)
    if not names:
        raise EstimationError("the expression uses no estimate")
    return Expression(text=text.strip(), tree=tree.body, names=tuple(names))


_Dual = tuple[float, FloatArray]  # value and gradient


def _power(base: _Dual, exponent: _Dual) -> _Dual:
    (a, da), (b, db) = base, exponent
    value = a**b
    if not np.any(db):  # a constant exponent: b a^(b-1) da, defined for a ≤ 0 too
        return value, b * a ** (b - 1.0) * da if b != 0 else np.zeros_like(da)
    if a <= 0:
        raise EstimationError("a power with an estimated exponent needs a positive base")
    return value, value * (db * math.log(a) + b * da / a)


def _walk(node: ast.expr, values: Mapping[str, float], position: Mapping[str, int], k: int) -> _Dual:
    if isinstance(node, ast.Constant):
        assert isinstance(node.value, int | float)  # noqa: S101 - checked by _check
        return float(node.value), np.zeros(k)
    if isinstance(node, ast.Name):
        grad = np.zeros(k)
        grad[position[node.id]] = 1.0
        return float(values[node.id]), grad
    if isinstance(node, ast.UnaryOp):
        v, g = _walk(node.operand, values, position, k)
        return (-v, -g) if isinstance(node.op, ast.USub) else (v, g)
    if isinstance(node, ast.BinOp):
        (a, da), (b, db) = _walk(node.left, values, position, k), _walk(node.right, values, position, k)
        if isinstance(node.op, ast.Add):
            return a + b, da + db
        if isinstance(node.op, ast.Sub):
            return a - b, da - db
        if isinstance(node.op, ast.Mult):
            return a * b, da * b + a * db
        if isinstance(node.op, ast.Div):
            if b == 0:
                raise EstimationError("the expression divides by zero at the estimates")
            return a / b, (da * b - a * db) / (b * b)
        return _power((a, da), (b, db))
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)  # noqa: S101 - checked by _check
    v, g = _walk(node.args[0], values, position, k)
    name = node.func.id
    if name == "exp":
        e = math.exp(v)
        return e, e * g
    if v <= 0 and name == "log":
        raise EstimationError("log of a value that is not positive at the estimates")
    if v < 0 and name == "sqrt":
        raise EstimationError("sqrt of a negative value at the estimates")
    if name == "log":
        return math.log(v), g / v
    root = math.sqrt(v)
    if root == 0:
        raise EstimationError("sqrt at 0 has no derivative")
    return root, g / (2.0 * root)


def evaluate(expression: Expression, values: Mapping[str, float]) -> tuple[float, FloatArray]:
    """The expression's value at ``values`` and its gradient with respect to ``expression.names``."""
    missing = [n for n in expression.names if n not in values]
    if missing:
        raise EstimationError(
            f"unknown name(s) in the expression: {', '.join(missing)}; known: {', '.join(values)}"
        )
    position = {n: i for i, n in enumerate(expression.names)}
    value, gradient = _walk(expression.tree, values, position, len(expression.names))
    if not (math.isfinite(value) and np.all(np.isfinite(gradient))):
        raise EstimationError("the expression is not finite at the estimates")
    return float(value), gradient
