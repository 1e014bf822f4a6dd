"""Scorecard and province-summary downloads (handlers mounted by create_app)."""

from __future__ import annotations

from typing import Any

REPORT_HANDLERS: list[Any] = []
