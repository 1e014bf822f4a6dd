"""Domain exceptions. ``api/`` translates each into one RFC 9457 problem type."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field


@dataclass
class FieldProblem:
    """One failing field: a JSON pointer-ish path and a message (English) with an optional code.

    ``code`` is the coarse kind API clients see (``invalid``, ``required``, ``duplicate``…). ``reason``,
    where set, names the problem precisely and ``params`` holds its values (a line number, a column), so
    that a page can say it in its own language without reading the English message; neither is part of
    the JSON API's output.
    """

    field: str
    message: str
    code: str = "invalid"
    reason: str = ""
    # qualified: the ``field`` attribute above shadows dataclasses.field in the class body for type checkers
    params: dict[str, str | int] = dataclasses.field(default_factory=dict)


class DomainError(Exception):
    """Base class; ``detail`` is safe to show to the user."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """The object does not exist, or the caller may not know that it exists."""


class Conflict(DomainError):
    """The request clashes with the stored state (duplicate code, immutable object, closed wave).

    ``kind`` tells clients which conflict it is (each kind has its own problem type), e.g. ``closed``,
    ``stale``, ``idempotency``, ``already_answered``; plain ``conflict`` otherwise.
    """

    def __init__(self, detail: str, kind: str = "conflict") -> None:
        super().__init__(detail)
        self.kind = kind


class Forbidden(DomainError):
    """The caller is known but its role does not allow the action."""


class AuthenticationFailed(DomainError):
    """Bad credentials, expired or revoked token, locked account."""


class RateLimited(DomainError):
    """Over the per-minute submission limit of a service point or kiosk device.

    ``retry_after`` is the whole number of seconds until the current window ends (at least 1).
    """

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class InvalidInput(DomainError):
    """The request is well-formed JSON but its values are not acceptable."""

    def __init__(
        self, detail: str, problems: list[FieldProblem] | None = None, total: int | None = None
    ) -> None:
        super().__init__(detail)
        self.problems: list[FieldProblem] = problems or []
        # how many problems were found, when only the first ones are listed in ``problems``
        self.total = len(self.problems) if total is None else total


@dataclass
class Page:
    """A slice of a listing with the total count, for pagination."""

    items: list[dict[str, object]]
    total: int
    limit: int
    offset: int
    extra: dict[str, object] = field(default_factory=dict)
