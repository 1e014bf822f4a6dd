"""QR codes and posters for service points (handlers mounted by create_app)."""

from __future__ import annotations

from typing import Any

QR_HANDLERS: list[Any] = []
