"""Frames, samples, fieldwork progress and weights (handlers mounted by create_app)."""

from __future__ import annotations

from typing import Any

FIELDWORK_HANDLERS: list[Any] = []
