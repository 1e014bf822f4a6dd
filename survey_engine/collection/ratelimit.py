"""The submission rate limit: at most ``per_minute`` stored submissions per key in a one-minute window.

Keys are what a client cannot invent: the service point its token resolved to (online, phone and paper) or
a kiosk device found registered (kiosk); never an IP address (a whole service centre often sits behind one
public address, and addresses are personal data we do not keep), never a header the client chooses.

The counts live in the database (table ``submission_rate``, one row per key: the window's start and its
count) and are updated inside the group-commit transaction that stores the rows, so every server process,
and every host sharing one PostgreSQL database, counts against the same numbers. Only rows that are stored
count: a replay (200) or a refused row never uses up the limit, so a replay is answered 200 even at the limit.

Per batch, the rows that passed every other check are counted in one set-based upsert, which also starts a
new window for a key whose window has ended and returns each key's count. Almost always every key is still
within its limit and that is all. Otherwise the batch is decided again with what each key may still take
(see :func:`allowances`) and the counts are set to what was really stored; the rows over the limit are
refused with :class:`~survey_engine.errors.RateLimited` (429 with ``Retry-After``).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from survey_engine.errors import RateLimited

WINDOW_SECONDS = 60
RATE_LIMITED = "too many submissions from this service point or device; try again shortly"

# One upsert per batch (SQLite >= 3.35 and PostgreSQL): a key whose window has ended starts a new one at
# this batch's time. Both columns' new values are computed from the old row (standard SQL).
_NEW_WINDOW = f"excluded.window_start_ms >= submission_rate.window_start_ms + {WINDOW_SECONDS * 1000}"
UPSERT_SET = (
    f"ON CONFLICT (rate_key) DO UPDATE SET"
    f" hits = CASE WHEN {_NEW_WINDOW} THEN excluded.hits ELSE submission_rate.hits + excluded.hits END,"
    f" window_start_ms = CASE WHEN {_NEW_WINDOW} THEN excluded.window_start_ms"
    f" ELSE submission_rate.window_start_ms END"
    f" RETURNING rate_key, window_start_ms, hits"
)


def point_key(service_point_id: int) -> str:
    return f"p:{service_point_id}"


def device_key(device_id: int) -> str:
    return f"d:{device_id}"


def staff_key(user_id: int) -> str:
    """Paper keyers are counted per person: several clerks keying one point's returned copies must not share,
    and exhaust, the limit of that point's public code (a copy would be left keyed but not stored)."""
    return f"s:{user_id}"


@dataclass(frozen=True)
class Quota:
    """The limit as applied to one batch, at the time the batch is written."""

    per_minute: int
    now: float

    @property
    def window_start_ms(self) -> int:
        """The start a new window gets (Unix time in milliseconds, as stored)."""
        return int(self.now * 1000)

    def retry_after(self, window_start_ms: int) -> int:
        """Whole seconds until the window that began at ``window_start_ms`` ends (at least 1)."""
        return max(1, math.ceil(window_start_ms / 1000 + WINDOW_SECONDS - self.now))


class SubmissionRateLimit:
    """The configured limit (``per_minute``; 0 turns it off), shared by the service and its committer."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.time) -> None:
        self.per_minute = per_minute
        self.clock = clock  # wall-clock time: every process and host must agree on window starts

    def quota(self) -> Quota | None:
        return Quota(self.per_minute, self.clock()) if self.per_minute > 0 else None


def wanted(keys: Iterable[str]) -> list[tuple[str, int]]:
    """Rows per key, sorted by key: concurrent transactions then lock the keys' rows in the same order."""
    return sorted(Counter(keys).items())


Allowance = dict[str, tuple[int, int]]  # key → (rows it may still store in this batch, retry-after seconds)


def allowances(
    quota: Quota, counted: list[tuple[str, int]], totals: dict[str, tuple[int, int]]
) -> Allowance | None:
    """None when every key stayed within the limit after counting ``counted``; else what each counted key
    could take before this batch (the count returned by the upsert minus this batch's rows).

    Keys missing from the result may take nothing: their rows only became acceptable on the second
    decision because an earlier row of the batch (same id or dossier) was refused for the limit, so
    they are refused for the limit as well (the client sends them again later).
    """
    if all(totals[key][1] <= quota.per_minute for key, _ in counted):
        return None
    return {
        key: (quota.per_minute - (totals[key][1] - n), quota.retry_after(totals[key][0]))
        for key, n in counted
    }


def corrected(
    counted: list[tuple[str, int]], totals: dict[str, tuple[int, int]], stored: Iterable[str]
) -> list[tuple[int, str]]:
    """(count, key) of every counted key whose count must become what this batch really stored."""
    really = Counter(stored)
    return [(totals[key][1] - n + really[key], key) for key, n in counted if really[key] != n]


def refusal(allowance: Allowance, key: str) -> RateLimited | None:
    """The refusal of one more row of ``key``, or None (then the row is counted against the allowance)."""
    left, retry_after = allowance.get(key, (0, 1))
    if left <= 0:
        return RateLimited(RATE_LIMITED, retry_after)
    allowance[key] = (left - 1, retry_after)
    return None
