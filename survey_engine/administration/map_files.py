"""The CSV files that load the administrative map: units, and which unit became which (successions).

Parsing and the checks one file can make on its own (columns, values, duplicates, shares summing to 1);
:mod:`survey_engine.administration.map_changes` adds the checks against what is stored (units known,
parents, version order, cycles) and writes everything or nothing. A problem names its line (the header is
line 1) so that a one-line error can say where to look.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from survey_engine.errors import FieldProblem, InvalidInput

__all__ = [
    "AGENCY_SUCCESSION_COLUMNS",
    "LEVELS",
    "SHARE_TOLERANCE",
    "SUCCESSION_COLUMNS",
    "UNIT_COLUMNS",
    "AgencySuccessionLine",
    "SuccessionLine",
    "UnitLine",
    "parse_agency_successions",
    "parse_successions",
    "parse_units",
    "refuse",
]

LEVELS = ("province", "district", "commune")
# The shares of one predecessor into one later version must sum to 1 within this (shares are usually
# rounded populations ratios: 3 decimals each leaves at most a few thousandths).
SHARE_TOLERANCE = 0.005
UNIT_COLUMNS = (
    "code",
    "unit_version",
    "level",
    "name_vi",
    "name_en",
    "parent_code",
    "valid_from",
    "valid_to",
    "population",
)
_UNIT_REQUIRED = ("code", "unit_version", "level", "name_vi", "valid_from")
SUCCESSION_COLUMNS = (
    "predecessor_version",
    "predecessor_code",
    "successor_version",
    "successor_code",
    "population_share",
)
# Agencies: which agency of the later map continues which of the older one (agency codes are unique, so no
# version column); population_share may be empty for 1.
AGENCY_SUCCESSION_COLUMNS = ("predecessor", "successor", "population_share")
MAX_CODE = 32
MAX_NAME = 200


@dataclass(frozen=True)
class AgencySuccessionLine:
    line: int
    predecessor: str
    successor: str
    population_share: float


@dataclass(frozen=True)
class UnitLine:
    line: int
    code: str
    unit_version: str
    level: str
    name_vi: str
    name_en: str
    parent_code: str | None
    valid_from: date
    valid_to: date | None
    population: int | None


@dataclass(frozen=True)
class SuccessionLine:
    line: int
    predecessor_version: str
    predecessor_code: str
    successor_version: str
    successor_code: str
    population_share: float


class _LineError(Exception):
    pass


def refuse(line: int, message: str) -> InvalidInput:
    """The error of a file refused whole: its first problem, naming the line."""
    return InvalidInput(f"line {line}: {message}", [FieldProblem(f"line {line}", message, reason="map_file")])


def _rows(
    lines: Iterable[str], columns: tuple[str, ...], required: tuple[str, ...]
) -> Iterable[tuple[int, dict[str, str]]]:
    reader = csv.reader(lines)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise refuse(1, "the file is empty (expected a header line)") from None
    unknown = [h for h in header if h not in columns]
    if unknown:
        raise refuse(1, f"unknown column {unknown[0]!r} (columns: {', '.join(columns)})")
    missing = [c for c in required if c not in header]
    if missing:
        raise refuse(1, f"missing column {missing[0]!r}")
    if len(set(header)) != len(header):
        raise refuse(1, "a column is named twice")
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise refuse(reader.line_num, f"{len(row)} fields, the header has {len(header)}")
        yield reader.line_num, {h: cell.strip() for h, cell in zip(header, row, strict=True)}


def _code(row: dict[str, str], column: str, *, required: bool = True) -> str:
    value = row.get(column, "")
    if not value:
        if required:
            raise _LineError(f"{column} is empty")
        return ""
    if len(value) > MAX_CODE or any(ch.isspace() for ch in value):
        raise _LineError(f"{column} {value!r} must be at most {MAX_CODE} characters without spaces")
    return value


def _date(row: dict[str, str], column: str) -> date | None:
    value = row.get(column, "")
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _LineError(f"{column} {value!r} is not a date (YYYY-MM-DD)") from None


def _unit(line: int, row: dict[str, str]) -> UnitLine:
    code, version = _code(row, "code"), _code(row, "unit_version")
    level = row.get("level", "")
    if level not in LEVELS:
        raise _LineError(f"level {level!r} must be one of {', '.join(LEVELS)}")
    name_vi, name_en = row.get("name_vi", ""), row.get("name_en", "")
    if not name_vi:
        raise _LineError("name_vi is empty")
    if len(name_vi) > MAX_NAME or len(name_en) > MAX_NAME:
        raise _LineError(f"a name is longer than {MAX_NAME} characters")
    parent = _code(row, "parent_code", required=False) or None
    if level == "province" and parent:
        raise _LineError("a province has no parent_code")
    if level != "province" and not parent:
        raise _LineError(f"a {level} needs its parent_code")
    valid_from = _date(row, "valid_from")
    if valid_from is None:
        raise _LineError("valid_from is empty")
    valid_to = _date(row, "valid_to")
    if valid_to is not None and valid_to < valid_from:
        raise _LineError("valid_to is before valid_from")
    population = None
    if row.get("population"):
        try:
            population = int(row["population"])
        except ValueError:
            raise _LineError(f"population {row['population']!r} is not a whole number") from None
        if population <= 0:
            raise _LineError("population must be positive")
    return UnitLine(line, code, version, level, name_vi, name_en, parent, valid_from, valid_to, population)


def parse_units(lines: Iterable[str]) -> list[UnitLine]:
    """The units of a CSV file (columns ``UNIT_COLUMNS``; name_en, parent_code, valid_to, population may
    be empty); InvalidInput at the first problem (a code twice in one version included)."""
    units: list[UnitLine] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in _rows(lines, UNIT_COLUMNS, _UNIT_REQUIRED):
        try:
            unit = _unit(line, row)
        except _LineError as exc:
            raise refuse(line, str(exc)) from None
        key = (unit.unit_version, unit.code)
        if key in seen:
            raise refuse(
                line, f"unit {unit.code} of version {unit.unit_version} is already on line {seen[key]}"
            )
        seen[key] = line
        units.append(unit)
    if not units:
        raise refuse(1, "no unit in the file")
    return units


def _share(value: str) -> float:
    try:
        share = float(value)
    except ValueError:
        raise _LineError(f"population_share {value!r} is not a number") from None
    if not (math.isfinite(share) and 0 < share <= 1):
        raise _LineError("population_share must be more than 0 and at most 1")
    return share


def _succession(line: int, row: dict[str, str]) -> SuccessionLine:
    before = (_code(row, "predecessor_version"), _code(row, "predecessor_code"))
    after = (_code(row, "successor_version"), _code(row, "successor_code"))
    if before[0] == after[0]:
        raise _LineError("the successor must be on a later map version than the predecessor")
    share = _share(row.get("population_share", ""))
    return SuccessionLine(line, before[0], before[1], after[0], after[1], share)


def parse_successions(lines: Iterable[str]) -> list[SuccessionLine]:
    """The successions of a CSV file (columns ``SUCCESSION_COLUMNS``, all required); InvalidInput at the
    first problem: a pair twice, or the shares of one predecessor into one version not summing to 1."""
    rows: list[SuccessionLine] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for line, row in _rows(lines, SUCCESSION_COLUMNS, SUCCESSION_COLUMNS):
        try:
            item = _succession(line, row)
        except _LineError as exc:
            raise refuse(line, str(exc)) from None
        key = (item.predecessor_version, item.predecessor_code, item.successor_version, item.successor_code)
        if key in seen:
            raise refuse(
                line, f"{item.predecessor_code} → {item.successor_code} is already on line {seen[key]}"
            )
        seen[key] = line
        rows.append(item)
    if not rows:
        raise refuse(1, "no succession in the file")
    sums: dict[tuple[str, str, str], list[SuccessionLine]] = {}
    for item in rows:
        sums.setdefault((item.predecessor_version, item.predecessor_code, item.successor_version), []).append(
            item
        )
    for (version, code, later), items in sums.items():
        total = math.fsum(i.population_share for i in items)
        if abs(total - 1) > SHARE_TOLERANCE:
            raise refuse(
                items[0].line,
                f"the shares of {code} ({version}) into version {later} sum to {total:.4g}, not 1",
            )
    return rows


def parse_agency_successions(lines: Iterable[str]) -> list[AgencySuccessionLine]:
    """The agency successions of a CSV file (columns ``AGENCY_SUCCESSION_COLUMNS``; population_share may be
    empty for 1); InvalidInput at the first problem: an agency its own successor or a pair twice. The
    checks against the stored agencies are the service's."""
    rows: list[AgencySuccessionLine] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in _rows(lines, AGENCY_SUCCESSION_COLUMNS, AGENCY_SUCCESSION_COLUMNS[:2]):
        try:
            before, after = _code(row, "predecessor"), _code(row, "successor")
            if before == after:
                raise _LineError(f"{before} cannot be its own successor")
            share = _share(row["population_share"]) if row.get("population_share") else 1.0
        except _LineError as exc:
            raise refuse(line, str(exc)) from None
        if (before, after) in seen:
            raise refuse(line, f"{before} → {after} is already on line {seen[(before, after)]}")
        seen[(before, after)] = line
        rows.append(AgencySuccessionLine(line, before, after, share))
    if not rows:
        raise refuse(1, "no succession in the file")
    return rows
