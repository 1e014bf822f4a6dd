"""Kiosk page placeholder (filled in below)."""

KIOSK_HANDLERS: list = []
