"""The contacts CSV of a phone survey, decoded and checked row by row without touching the database."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from survey_engine.errors import FieldProblem, InvalidInput
from survey_engine.fieldwork.phone_numbers import normalise_phone

CSV_REQUIRED = ("code", "agency", "phone")
CSV_OPTIONAL = ("service_point", "dossier_code", "assigned_to")
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$")
_OPTIONAL_LONGEST = (("service_point", 48), ("dossier_code", 100), ("assigned_to", 254))
MAX_REPORTED_PROBLEMS = 500
_ROW_INDEX = re.compile(r"^rows\[(\d+)\]")


@dataclass
class ContactRow:
    """One validated CSV row, before the database checks."""

    index: int
    line: int
    code: str
    agency: str
    phone: str
    service_point: str | None
    dossier_code: str | None
    assigned_to: str | None


def contact_problem(index: int, column: str, message: str, code: str = "invalid") -> FieldProblem:
    return FieldProblem(f"rows[{index}].{column}", message, code)


def parse_contacts_csv(data: bytes) -> tuple[list[ContactRow], list[FieldProblem]]:
    """Decode and check a contacts CSV without touching the database.

    Rows are numbered from 0 after the header (``rows[0]`` is the file's second line); messages also
    give the line number that spreadsheets show. Semicolons are accepted as the delimiter because
    Excel in the Vietnamese locale (decimal comma) saves "CSV" with them.
    """
    try:
        text = data.decode("utf-8-sig")  # a BOM is what Excel's "CSV UTF-8" writes
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start)
        field = f"rows[{line - 1}]" if line else "header"
        return [], [
            FieldProblem(field, f"line {line + 1} is not UTF-8: save the file as CSV UTF-8", "encoding")
        ]
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [name.strip().lower() for name in next(reader, [])]
    except csv.Error as exc:
        return [], [FieldProblem("header", f"not CSV: {exc}", "malformed")]
    problems = _header_problems(header)
    if problems:
        return [], problems
    rows: list[ContactRow] = []
    first_seen: dict[str, int] = {}
    index = -1
    while True:
        try:
            values = next(reader, None)
        except csv.Error as exc:
            index += 1
            problems.append(
                FieldProblem(f"rows[{index}]", f"line {reader.line_num}: not CSV: {exc}", "malformed")
            )
            break  # the reader cannot resynchronise after a broken quote
        if values is None:
            break
        if not any(v.strip() for v in values):
            continue  # blank lines (trailing newlines from spreadsheets) are not rows
        index += 1
        line = reader.line_num
        if len(values) != len(header):
            problems.append(
                FieldProblem(
                    f"rows[{index}]",
                    f"line {line} has {len(values)} fields, the header has {len(header)}",
                    "malformed",
                )
            )
            continue
        cell = {name: value.strip() for name, value in zip(header, values, strict=True)}
        row, row_problems = _check_contact(index, line, cell, first_seen)
        problems += row_problems
        if row is not None:
            rows.append(row)
    if index < 0 and not problems:
        problems.append(FieldProblem("rows", "the file has a header but no rows", "required"))
    return rows, problems


def _header_problems(header: list[str]) -> list[FieldProblem]:
    """Everything wrong with the header line: empty, required columns missing, unknown or repeated ones."""
    if not any(header):
        return [FieldProblem("header", "the file is empty: expected a header line", "required")]
    problems = [
        FieldProblem("header", f"missing column {n}", "required") for n in CSV_REQUIRED if n not in header
    ]
    for name in dict.fromkeys(header):  # each distinct name once
        if name not in CSV_REQUIRED + CSV_OPTIONAL:
            allowed = ", ".join(CSV_REQUIRED + CSV_OPTIONAL)
            problems.append(
                FieldProblem("header", f"unknown column {name!r} (allowed: {allowed})", "unknown_field")
            )
        elif header.count(name) > 1:
            problems.append(FieldProblem("header", f"column {name} appears twice", "duplicate"))
    return problems


def _check_contact(
    index: int, line: int, cell: dict[str, str], first_seen: dict[str, int]
) -> tuple[ContactRow | None, list[FieldProblem]]:
    """One data row: the contact if valid, and its problems; ``first_seen``: code -> row index so far."""
    at = f"line {line}: "
    problems: list[FieldProblem] = []
    code = cell["code"]
    if not CODE_PATTERN.match(code):
        why = "required" if not code else "invalid"
        problems.append(contact_problem(index, "code", at + "1–48 letters, digits, '.', '_' or '-'", why))
    elif code in first_seen:
        repeats = f"code {code} repeats rows[{first_seen[code]}]"
        problems.append(contact_problem(index, "code", at + repeats, "duplicate"))
    else:
        first_seen[code] = index
    if not cell["agency"] or len(cell["agency"]) > 32:
        problems.append(contact_problem(index, "agency", at + "an agency code is required", "required"))
    phone = normalise_phone(cell["phone"])
    if phone is None:
        # Never quote the value: error responses and any log of them must not carry phone numbers.
        why = "required" if not cell["phone"] else "invalid"
        not_phone = "not a Vietnamese phone number (9–10 digits after +84 or 0)"
        problems.append(contact_problem(index, "phone", at + not_phone, why))
    optional = {
        "service_point": cell.get("service_point") or None,
        "dossier_code": cell.get("dossier_code") or None,
        "assigned_to": (cell.get("assigned_to") or "").lower() or None,
    }
    for name, longest in _OPTIONAL_LONGEST:
        value = optional[name]
        if value and len(value) > longest:
            problems.append(contact_problem(index, name, f"{at}at most {longest} characters"))
    if problems:
        return None, problems
    return ContactRow(index, line, code, cell["agency"], phone or "", **optional), problems


def problem_order(problem: FieldProblem) -> int:
    match = _ROW_INDEX.match(problem.field)
    return int(match.group(1)) if match else -1


def invalid_contacts(detail: str, problems: list[FieldProblem]) -> InvalidInput:
    shown = problems[:MAX_REPORTED_PROBLEMS]
    if len(problems) > len(shown):
        detail += f" ({len(problems)} problems, the first {len(shown)} listed)"
    return InvalidInput(detail, shown)
