"""Copy serials: 10 random digits and a Damm check digit, keyed as ``4821-0937-553`` (dashes optional).

Digits only, so a clerk keys them on the number pad. The Damm check digit catches every single wrong digit
and every swap of two neighbouring digits (H. M. Damm, 2004), so a mistyped serial is refused at once
rather than landing on another copy. Ten random digits (from :mod:`secrets`) are enough that a serial cannot
be guessed into another wave's copy: keying needs a signed-in data-entry account as well.
"""

from __future__ import annotations

import secrets

# Damm's totally anti-symmetric quasigroup of order 10.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)
RANDOM_DIGITS = 10
SERIAL_DIGITS = RANDOM_DIGITS + 1


def damm_digit(digits: str) -> int:
    """The Damm check digit of a string of digits (appending it makes :func:`damm_digit` return 0)."""
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][int(ch)]
    return interim


def new_serial() -> str:
    """A fresh serial: 10 random digits (the first never 0, so no digit is lost in a spreadsheet) + check."""
    body = str(1 + secrets.randbelow(9)) + "".join(
        str(secrets.randbelow(10)) for _ in range(RANDOM_DIGITS - 1)
    )
    return body + str(damm_digit(body))


def normalise_serial(text: str) -> str | None:
    """The serial's 11 digits from what was keyed or scanned (spaces and dashes ignored); None when it is
    not 11 digits or its check digit is wrong."""
    digits = "".join(ch for ch in text if ch not in " -\t")
    if len(digits) != SERIAL_DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    return digits if damm_digit(digits) == 0 else None


def display_serial(serial: str) -> str:
    """The serial as printed: ``4821-0937-553``."""
    return f"{serial[:4]}-{serial[4:8]}-{serial[8:]}"
