"""Cells of files that people open in spreadsheets (CSV, XLSX): the one rule that every export follows.

Citizens write free text; staff later open the exports in Excel, LibreOffice or Google Sheets. Two kinds
of stored text must not reach a spreadsheet as they are:

* **Text that a spreadsheet would run.** A cell starting with ``=``, ``+``, ``-`` or ``@`` is read as a
  formula (``=HYPERLINK(…)`` sends the reader to a stranger's site, ``=cmd|…`` ran programs through DDE),
  and so is one starting with a tab or a carriage return, which importers may drop before looking.
  Such text gets a leading apostrophe, the spreadsheets' own "this is text" mark (OWASP's advice), so a
  comment reads the same in CSV and XLSX and is never evaluated. The compatibility forms of the four
  operators (fullwidth ＝ ＋ － ＠, small ﹦ ﹢ ﹣ ﹫) are quoted as well: Unicode NFKC folds them into
  the ASCII ones, which input methods and some importers apply, and a quote on the rare comment that
  starts with one costs nothing.
  Numbers are never touched: an ``int``, ``float`` or ``Decimal`` (a rating, a weight) is written as that
  number, and neither is text that is just a negative decimal number (``-3``, ``-0.25``, ``-1.5e-05``):
  a spreadsheet reads it as that very number and no formula can hide in it, while the CLI writes numbers
  as such text (estimates, and domain or stratum labels of numeric columns). ``+1`` is quoted: no writer
  here formats a number that way, and a spreadsheet turns it into the formula ``=+1``.
* **Characters that XML 1.0 cannot hold** (C0 controls other than tab, line feed and carriage return;
  lone surrogates; U+FFFE and U+FFFF). openpyxl refuses them (``IllegalCharacterError``), so one NUL kept
  from an old submission stopped the whole XLSX export, and a lone surrogate cannot be encoded as UTF-8
  at all. They are removed, from CSV as well, so that every format carries the same text and CSV
  readers that stop at a NUL (or terminals that obey an ESC) see nothing of them.

Parquet is not a spreadsheet format: its columns are typed, nothing evaluates them, so it keeps the
stored text exactly. Files that the next ``sipas`` command reads back (``allocate --out``, ``draw --out``,
``weights --out``) copy the user's own cells unchanged for the same reason: the sample's identifiers and
stratum labels must match the frame and the calibration targets.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import Any

__all__ = ["FORMULA_START", "csv_cells", "csv_line", "safe_text", "spreadsheet_value", "xlsx_cells"]

# Leading characters that make a spreadsheet read a cell as a formula (after NFKC folding).
FORMULA_START = frozenset("=+-@\t\r")
_NUMBERS = frozenset({int, float})
# A negative decimal number, which a spreadsheet reads as a number and never as a formula.
_NEGATIVE_NUMBER = re.compile(r"-(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
# What XML 1.0 (and so XLSX) cannot carry; a superset of openpyxl's ILLEGAL_CHARACTERS_RE.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def safe_text(text: str) -> str:
    """``text`` without the characters XLSX cannot hold, quoted when a spreadsheet would run it."""
    if _NOT_XML.search(text):
        text = _NOT_XML.sub("", text)
    if not text:
        return text
    first = text[0]
    # ASCII is its own NFKC form: only other first characters need the (slower) folding.
    if first not in FORMULA_START and (
        first < "\x80" or unicodedata.normalize("NFKC", first)[:1] not in FORMULA_START
    ):
        return text
    if _NEGATIVE_NUMBER.fullmatch(text):
        return text
    return "'" + text


def spreadsheet_value(value: Any) -> Any:
    """One cell: text made safe, dates and times in ISO 8601, numbers and ``None`` as they are."""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, date):  # datetime is a date too
        return value.isoformat()
    return value


def csv_cells(values: Iterable[Any]) -> list[Any]:
    """A row for ``csv.writer.writerow``: every cell through :func:`spreadsheet_value`, ``None`` empty."""
    # Most cells of a microdata row are plain numbers: pass them without a call (exports run to millions).
    return [
        value if type(value) in _NUMBERS else ("" if value is None else spreadsheet_value(value))
        for value in values
    ]


def csv_line(values: Iterable[Any]) -> str:
    """One CSV record (``\\r\\n``-terminated, as ``csv.writer`` writes by default)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(csv_cells(values))
    return buffer.getvalue()


def xlsx_cells(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """A row for ``sheet.append`` (a write-only openpyxl worksheet) in which text is always text.

    openpyxl guesses a string's type from its content: ``"=…"`` becomes a formula and ``"#N/A"`` an error
    value. Every string therefore goes in as a cell whose type is set to ``"s"`` after the value.
    """
    from openpyxl.cell import WriteOnlyCell

    out: list[Any] = []
    for value in values:
        cell = spreadsheet_value(value)
        if isinstance(cell, str):
            text = WriteOnlyCell(sheet, value=cell)
            text.data_type = "s"
            out.append(text)
        else:
            out.append(cell)
    return out
