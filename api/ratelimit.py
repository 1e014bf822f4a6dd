"""Per-key request limits for public submissions (fixed one-minute windows, in process memory).

Keys are a kiosk device or a service-point token, never an IP address: a whole service centre often
sits behind one public address, and addresses are personal data we do not keep.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class RateLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._windows: dict[str, tuple[float, int]] = {}

    def hit(self, key: str) -> float | None:
        """Count one request; returns None when allowed, else the seconds until the key may retry."""
        if self.per_minute <= 0:
            return None
        now = self.clock()
        start, count = self._windows.get(key, (now, 0))
        if now - start >= 60.0:
            start, count = now, 0
        if count >= self.per_minute:
            return max(1.0, 60.0 - (now - start))
        self._windows[key] = (start, count + 1)
        if len(self._windows) > 50_000:  # forget finished windows; bounded memory under many keys
            self._windows = {k: v for k, v in self._windows.items() if now - v[0] < 60.0}
        return None
