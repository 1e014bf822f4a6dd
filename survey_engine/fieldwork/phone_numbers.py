"""Vietnamese phone numbers as frames and contact lists give them, in one canonical form."""

from __future__ import annotations

import re

_PHONE_SEPARATORS = re.compile(r"[\s.\-()/]")


def normalise_phone(raw: str) -> str | None:
    """A Vietnamese number as ``+84`` and its 9–10 digit national number, or None when it is not one.

    Accepts separators (spaces, dots, dashes, parentheses) and the prefixes ``+84``, ``0084``, ``0`` or
    none; ``84`` without ``+`` only when the remainder still has 9–10 digits, because spreadsheets drop
    both the ``+`` and the leading ``0`` of numbers stored as numbers.
    """
    digits = _PHONE_SEPARATORS.sub("", raw.strip())
    if digits.startswith("+84"):
        national = digits[3:]
    elif digits.startswith("0084"):
        national = digits[4:]
    elif digits.startswith("0"):
        national = digits[1:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        national = digits[2:]
    else:
        national = digits
    if not national.isascii() or not national.isdigit() or not 9 <= len(national) <= 10:
        return None
    if national.startswith("0"):
        return None
    return "+84" + national
