"""Phone interviews: contacts, call attempts (handlers mounted by create_app)."""

from __future__ import annotations

from typing import Any

PHONE_HANDLERS: list[Any] = []
