"""Sampling frames: lists of completed dossiers (CSV or XLSX), validated in full, stored all or nothing.

File format (header names are case-insensitive; order is free):

==============  ========  ===================================================================
column          required  value
==============  ========  ===================================================================
dossier_code    yes       the dossier (hồ sơ) code; stored only as ``receipts.dossier_hash``
agency          yes       agency code; the agency must be one of the wave's agencies
field           yes       lĩnh vực (service field), 1–200 characters, no ``|``
completed_on    yes       ISO ``2026-03-31`` or ``31/03/2026`` (an XLSX date cell is fine)
phone           no        a Vietnamese number (normalised to ``+84…``); purged when the wave closes
sex, age_band,  no        demographics, at most 50 characters each, kept as a JSON object
ethnicity,
education,
occupation, area
==============  ========  ===================================================================

CSV must be UTF-8 (a BOM is fine, as Excel's "CSV UTF-8" writes); comma or semicolon separated.
XLSX: the first worksheet, header in its first row (read with openpyxl). Rows are numbered from 0 after
the header (``rows[0]`` is the file's second line) and messages also give the line that spreadsheets show.

Every problem of the file and against the database (duplicates in the file or in the wave's frame,
unknown agencies or agencies outside the wave) is reported at once and nothing is stored unless there
is none. Dossier codes in clear exist only in memory while a request is served; error messages quote
neither dossier codes nor phone numbers.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from piccolo.custom_types import Combinable
from piccolo.query.functions.aggregate import Count

from survey_engine import audit, tenancy
from survey_engine.actors import Actor
from survey_engine.collection.receipts import MAX_DOSSIER_CODE, dossier_hash, normalise_dossier_code
from survey_engine.errors import Conflict, FieldProblem, InvalidInput, NotFound
from survey_engine.fieldwork.phone_numbers import normalise_phone
from survey_engine.tables import Agency, Frame, FrameUnit, Sample, Wave, WaveAgency
from survey_engine.transactions import is_unique_violation, write_transaction

REQUIRED = ("dossier_code", "agency", "field", "completed_on")
DEMOGRAPHICS = ("sex", "age_band", "ethnicity", "education", "occupation", "area")
OPTIONAL = ("phone", *DEMOGRAPHICS)
MAX_REPORTED_PROBLEMS = 500
BATCH = 500  # rows per INSERT / IN (...): under SQLite's bound-parameter limit
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ROW_INDEX = re.compile(r"^rows\[(\d+)\]")


@dataclass
class FrameRow:
    """One valid row of a frame file. ``dossier_code`` is in clear: never store or log it."""

    index: int
    line: int
    dossier_code: str
    agency: str
    field: str
    completed_on: date
    phone: str | None
    # qualified: the ``field`` attribute above shadows dataclasses.field in the class body for type checkers
    demographics: dict[str, str] = dataclasses.field(default_factory=dict)


def _problem(
    index: int, column: str, line: int, message: str, code: str, reason: str, **params: str | int
) -> FieldProblem:
    """A problem in one cell of a data row: the English ``message`` after "line N: ", and ``reason`` with
    the line and ``params`` for pages that say it in another language."""
    return FieldProblem(
        f"rows[{index}].{column}",
        f"line {line}: {message}",
        code,
        f"frame_{reason}",
        {"line": line, **params},
    )


def _file_problem(field: str, message: str, code: str, reason: str, **params: str | int) -> FieldProblem:
    """A problem of the whole file, its header or its rows (``reason`` as for :func:`_problem`)."""
    return FieldProblem(field, message, code, f"frame_{reason}", dict(params))


def is_xlsx(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def _cells_from_csv(data: bytes) -> tuple[Iterator[tuple[int, list[Any]]] | None, list[FieldProblem]]:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return None, [_file_problem("file", "the file is UTF-16: save it as CSV UTF-8", "encoding", "utf16")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, [
            _file_problem(
                "file",
                f"line {line} is not UTF-8 (Windows-1258 or another legacy encoding?): save the file as "
                "CSV UTF-8",
                "encoding",
                "not_utf8",
                line=line,
            )
        ]
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        while True:
            try:
                values = next(reader, None)
            except csv.Error as exc:
                raise _MalformedCsv(reader.line_num, str(exc)) from None
            if values is None:
                return
            yield reader.line_num, values

    return rows(), []


class _MalformedCsv(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _cells_from_xlsx(data: bytes) -> tuple[Iterator[tuple[int, list[Any]]] | None, list[FieldProblem]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        return None, [
            _file_problem(
                "file",
                f"not a readable XLSX workbook ({type(exc).__name__})",
                "malformed",
                "not_xlsx",
                error=type(exc).__name__,
            )
        ]
    sheet = book.worksheets[0] if book.worksheets else None
    if sheet is None:
        return None, [_file_problem("file", "the workbook has no worksheet", "required", "no_worksheet")]

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
                yield number, ["" if v is None else v for v in values]
        finally:
            book.close()

    return rows(), []


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # spreadsheets store codes and phone numbers as numbers
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def parse_date(value: Any) -> date | None:
    """ISO ``yyyy-mm-dd``, ``dd/mm/yyyy`` (Vietnamese order) or a spreadsheet date; None otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        if _ISO.match(text):
            return date.fromisoformat(text)
        match = _DMY.match(text)
        if match:
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        return None
    return None


def parse_frame(data: bytes, today: date) -> tuple[list[FrameRow], list[FieldProblem]]:
    """Decode and check a frame file (CSV or XLSX) without touching the database."""
    if not data.strip():
        return [], [_file_problem("file", "the file is empty: expected a header line", "required", "empty")]
    cells, problems = _cells_from_xlsx(data) if is_xlsx(data) else _cells_from_csv(data)
    if cells is None:
        return [], problems
    try:
        return _check_rows(cells, today)
    except _MalformedCsv as exc:
        return [], [
            _file_problem(
                "file",
                f"line {exc.line}: not CSV: {exc.message}",
                "malformed",
                "not_csv",
                line=exc.line,
                detail=exc.message,
            )
        ]


def _check_rows(
    cells: Iterator[tuple[int, list[Any]]], today: date
) -> tuple[list[FrameRow], list[FieldProblem]]:
    first = next(cells, None)
    header = [_text(name).lower() for name in first[1]] if first else []
    while header and not header[-1]:
        header.pop()  # spreadsheets keep empty trailing columns
    problems = _header_problems(header)
    if problems:
        return [], problems
    rows: list[FrameRow] = []
    first_seen: dict[str, int] = {}
    index = -1
    for line, raw in cells:
        values = _row_values(raw, len(header))
        if values is None:
            continue  # blank lines are not rows
        index += 1
        if len(values) != len(header):
            problems.append(
                _file_problem(
                    f"rows[{index}]",
                    f"line {line} has {len(values)} fields, the header has {len(header)}",
                    "malformed",
                    "field_count",
                    line=line,
                    fields=len(values),
                    columns=len(header),
                )
            )
            continue
        row, row_problems = _check_row(index, line, dict(zip(header, values, strict=True)), first_seen, today)
        problems += row_problems
        if row is not None:
            rows.append(row)
    if index < 0 and not problems:
        problems.append(_file_problem("rows", "the file has a header but no rows", "required", "no_rows"))
    return rows, problems


def _header_problems(header: list[str]) -> list[FieldProblem]:
    """Everything wrong with the header line: empty, required columns missing, unknown or repeated ones."""
    if not any(header):
        return [_file_problem("header", "the file is empty: expected a header line", "required", "empty")]
    problems = [
        _file_problem("header", f"missing column {name}", "required", "missing_column", column=name)
        for name in REQUIRED
        if name not in header
    ]
    for name in dict.fromkeys(header):
        if name not in REQUIRED + OPTIONAL:
            allowed = ", ".join(REQUIRED + OPTIONAL)
            problems.append(
                _file_problem(
                    "header",
                    f"unknown column {name!r} (allowed: {allowed})",
                    "unknown_field",
                    "unknown_column",
                    column=name,
                    allowed=allowed,
                )
            )
        elif header.count(name) > 1:
            problems.append(
                _file_problem(
                    "header", f"column {name} appears twice", "duplicate", "repeated_column", column=name
                )
            )
    return problems


def _row_values(raw: list[Any], width: int) -> list[Any] | None:
    """The cells of a line as text (dates kept), empty trailing cells beyond the header dropped; None
    for a blank line."""
    values = [_text(v) if not isinstance(v, datetime | date) else v for v in raw]
    while len(values) > width and values[-1] == "":
        values.pop()
    if not any(str(v).strip() for v in values):
        return None
    return values


def _check_row(
    index: int, line: int, cell: dict[str, Any], first_seen: dict[str, int], today: date
) -> tuple[FrameRow | None, list[FieldProblem]]:
    """One data row: the row when it is valid, and its problems in column order. ``first_seen`` maps
    each dossier code seen so far to its row index (updated here)."""
    problems: list[FieldProblem] = []
    code = _dossier_code(index, line, cell["dossier_code"], first_seen, problems)
    agency = str(cell["agency"]).strip()
    if not agency or len(agency) > 32:
        problems.append(
            _problem(
                index, "agency", line, "an agency code (1–32 characters) is required", "required", "agency"
            )
        )
    field_name = str(cell["field"]).strip()
    if not field_name or len(field_name) > 200 or "|" in field_name:
        problems.append(
            _problem(
                index,
                "field",
                line,
                "a field (lĩnh vực) of 1–200 characters without '|' is required",
                "required" if not field_name else "invalid",
                "field",
            )
        )
    completed = _completed_on(index, line, cell["completed_on"], today, problems)
    phone = _phone(index, line, str(cell.get("phone", "")).strip(), problems)
    demographics = _demographics(index, line, cell, problems)
    if problems:
        return None, problems
    assert completed is not None  # noqa: S101 - invariant, not input
    return FrameRow(index, line, code, agency, field_name, completed, phone, demographics), problems


def _dossier_code(
    index: int, line: int, raw: Any, first_seen: dict[str, int], problems: list[FieldProblem]
) -> str:
    code = ""
    try:
        code = normalise_dossier_code(str(raw))
    except ValueError as exc:
        problems.append(
            _problem(
                index,
                "dossier_code",
                line,
                str(exc),
                "required" if not raw else "invalid",
                "dossier_code",
                max=MAX_DOSSIER_CODE,
            )
        )
    if code:
        if code in first_seen:
            problems.append(
                _problem(
                    index,
                    "dossier_code",
                    line,
                    f"repeats rows[{first_seen[code]}]",
                    "duplicate",
                    "repeated_dossier",
                    row=first_seen[code],
                )
            )
        else:
            first_seen[code] = index
    return code


def _completed_on(index: int, line: int, raw: Any, today: date, problems: list[FieldProblem]) -> date | None:
    completed = parse_date(raw)
    if completed is None:
        problems.append(
            _problem(
                index,
                "completed_on",
                line,
                "a date as 2026-03-31 or 31/03/2026",
                "required" if raw == "" else "invalid",
                "date",
            )
        )
    elif completed > today:
        problems.append(_problem(index, "completed_on", line, "is in the future", "invalid", "future"))
    return completed


def _phone(index: int, line: int, raw: str, problems: list[FieldProblem]) -> str | None:
    if not raw:
        return None
    phone = normalise_phone(raw)
    if phone is None:  # never quote the value
        problems.append(
            _problem(
                index,
                "phone",
                line,
                "not a Vietnamese phone number (9–10 digits after +84 or 0)",
                "invalid",
                "phone",
            )
        )
    return phone


def _demographics(
    index: int, line: int, cell: dict[str, Any], problems: list[FieldProblem]
) -> dict[str, str]:
    demographics: dict[str, str] = {}
    for name in DEMOGRAPHICS:
        value = str(cell.get(name, "")).strip()
        if len(value) > 50:
            problems.append(
                _problem(index, name, line, "at most 50 characters", "invalid", "too_long", max=50)
            )
        elif value:
            demographics[name] = value
    return demographics


def _row_order(problem: FieldProblem) -> int:
    match = _ROW_INDEX.match(problem.field)
    return int(match.group(1)) if match else -1


def invalid(detail: str, problems: list[FieldProblem]) -> InvalidInput:
    problems = sorted(problems, key=_row_order)
    shown = problems[:MAX_REPORTED_PROBLEMS]
    if len(problems) > len(shown):
        detail += f" ({len(problems)} problems, the first {len(shown)} listed)"
    return InvalidInput(detail, shown, total=len(problems))


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class FieldworkWave:
    """What the fieldwork services need of a wave."""

    id: int
    code: str
    status: str
    unit_version: str
    name_vi: str
    name_en: str
    period_end: date
    settings: dict[str, Any] | None
    channels: list[str]


async def wave_row(code: str, actor: Actor | None = None) -> FieldworkWave:
    """The wave if the actor may see it; NotFound otherwise."""
    row = (
        await Wave.select(
            Wave.id,
            Wave.code,
            Wave.status,
            Wave.unit_version,
            Wave.name_vi,
            Wave.name_en,
            Wave.period_end,
            Wave.settings,
            Wave.channels,
            Wave.province,
        )
        .where(Wave.code == code)
        .output(load_json=True)
        .first()
    )
    if row is not None and actor is not None and not tenancy.sees(actor, row.pop("province")):
        row = None  # another province's wave: as if absent
    if row is not None and actor is not None and actor.agency_scoped:
        shared = await WaveAgency.exists().where(
            (WaveAgency.wave == row["id"]) & (WaveAgency.agency == actor.agency_id)
        )
        row = row if shared else None
    if row is None:
        raise NotFound(f"no wave with code {code}")
    row.pop("province", None)
    return FieldworkWave(**row)


async def wave_agencies(wave_id: int) -> dict[str, int]:
    """Agency code → id for the agencies of a wave."""
    rows = await WaveAgency.select(
        WaveAgency.agency.id.as_alias("id"), WaveAgency.agency.code.as_alias("code")
    ).where(WaveAgency.wave == wave_id)
    return {r["code"]: r["id"] for r in rows}


@dataclass(frozen=True)
class FrameImport:
    """What an import of a frame file stored: rows, rows with a phone number, rows per agency."""

    wave: str
    frame: int
    name: str
    rows: int
    with_phone: int
    agencies: dict[str, int]


@dataclass(frozen=True)
class FrameInfo:
    """One import of the wave's frame."""

    id: int
    name: str
    imported_at: datetime
    row_count: int
    unit_version: str


@dataclass(frozen=True)
class AgencyUnits:
    agency: str
    units: int


@dataclass(frozen=True)
class CellUnits:
    agency: str
    field: str
    units: int


@dataclass(frozen=True)
class FrameSummary:
    """The wave's frame imports (none for an agency user) and its units per agency and per field."""

    wave: str
    frames: list[FrameInfo]
    units: int
    agencies: list[AgencyUnits]
    cells: list[CellUnits]


class FrameService:
    """Frame imports and summaries. ``clock`` is injected so tests can fix "today"."""

    def __init__(self, clock: Callable[[], datetime] = _now) -> None:
        self.clock = clock

    async def import_frame(
        self, actor: Actor, wave_code: str, data: bytes, secret_key: str, name: str = ""
    ) -> FrameImport:
        """Store every row of a frame file, or none: all problems are reported at once (422)."""
        wave = await wave_row(wave_code, actor)
        if wave.status == "closed":
            raise Conflict(f"wave {wave_code} is closed: its frame can no longer change")
        if await Sample.exists().where(Sample.wave == wave.id):
            raise Conflict(f"the sample of wave {wave_code} is drawn: its frame can no longer change")
        rows, problems = parse_frame(data, self.clock().astimezone(UTC).date())
        # Hash before any write transaction: no CPU work while holding the write lock.
        hashes = [dossier_hash(secret_key, row.dossier_code) for row in rows]
        agencies = await wave_agencies(wave.id)
        if rows:
            problems += await self._check_against_database(wave, rows, hashes, agencies)
        if problems:
            raise invalid("the frame file is not valid; nothing was imported", problems)
        now = self.clock()
        digest = hashlib.sha256(data).hexdigest()
        try:
            async with write_transaction(Frame._meta.db):
                inserted = await Frame.insert(
                    Frame(
                        wave=wave.id,
                        name=(name or f"frame {now:%Y-%m-%d %H:%M}")[:200],
                        imported_at=now,
                        imported_by=actor.user_id or None,
                        row_count=len(rows),
                        unit_version=wave.unit_version,
                        file_sha256=digest,
                    )
                ).returning(Frame.id)
                frame_id = inserted[0]["id"]
                units = [
                    FrameUnit(
                        frame=frame_id,
                        wave=wave.id,
                        dossier_hash=digest_,
                        agency=agencies[row.agency],
                        field=row.field,
                        completed_on=row.completed_on,
                        phone=row.phone,
                        demographics=row.demographics,
                        stratum="",
                        row_number=row.index,
                    )
                    for row, digest_ in zip(rows, hashes, strict=True)
                ]
                for start in range(0, len(units), BATCH):
                    await FrameUnit.insert(*units[start : start + BATCH])
        except Exception as exc:
            if is_unique_violation(exc):
                raise Conflict("some dossiers were imported meanwhile; nothing was imported") from exc
            raise
        by_agency = Counter(row.agency for row in rows)
        await audit.record(actor, "import", "frame", wave_code, {"rows": len(rows), "frame": frame_id})
        return FrameImport(
            wave=wave_code,
            frame=frame_id,
            name=(name or f"frame {now:%Y-%m-%d %H:%M}")[:200],
            rows=len(rows),
            with_phone=sum(1 for row in rows if row.phone),
            agencies=dict(sorted(by_agency.items())),
        )

    async def _check_against_database(
        self, wave: FieldworkWave, rows: list[FrameRow], hashes: list[str], agencies: dict[str, int]
    ) -> list[FieldProblem]:
        problems: list[FieldProblem] = []
        existing: set[str] = set()
        for start in range(0, len(hashes), BATCH):
            found = await FrameUnit.select(FrameUnit.dossier_hash).where(
                (FrameUnit.wave == wave.id) & FrameUnit.dossier_hash.is_in(hashes[start : start + BATCH])
            )
            existing.update(r["dossier_hash"] for r in found)
        outside = sorted({row.agency for row in rows} - set(agencies))
        known: set[str] = set()
        if outside:
            known = {r["code"] for r in await Agency.select(Agency.code).where(Agency.code.is_in(outside))}
        for row, digest in zip(rows, hashes, strict=True):
            if digest in existing:
                problems.append(
                    _problem(
                        row.index,
                        "dossier_code",
                        row.line,
                        f"already in the frame of wave {wave.code}",
                        "duplicate",
                        "already_framed",
                        wave=str(wave.code),
                    )
                )
            if row.agency not in agencies:
                if row.agency in known:
                    message, reason = f"agency {row.agency} is not in this wave", "agency_not_in_wave"
                else:
                    message, reason = f"agency {row.agency} does not exist", "unknown_agency"
                problems.append(
                    _problem(row.index, "agency", row.line, message, "unknown", reason, agency=row.agency)
                )
        return problems

    async def summary(self, actor: Actor, wave_code: str) -> FrameSummary:
        """The wave's frames and unit counts per agency and field (no hashes, no phones)."""
        wave = await wave_row(wave_code, actor)
        frames = (
            await Frame.select(Frame.id, Frame.name, Frame.imported_at, Frame.row_count, Frame.unit_version)
            .where(Frame.wave == wave.id)
            .order_by(Frame.id)
        )
        condition: Combinable = FrameUnit.wave == wave.id
        if actor.agency_scoped:
            condition &= FrameUnit.agency == actor.agency_id
        counts = (
            await FrameUnit.select(
                FrameUnit.agency.code.as_alias("agency"), FrameUnit.field, Count(alias="units")
            )
            .where(condition)
            .group_by(FrameUnit.agency.code, FrameUnit.field)
        )
        cells = sorted(
            (CellUnits(c["agency"], c["field"], int(c["units"])) for c in counts),
            key=lambda c: (c.agency, c.field),
        )
        per_agency: Counter[str] = Counter()
        for cell in cells:
            per_agency[cell.agency] += cell.units
        return FrameSummary(
            wave=wave_code,
            frames=[] if actor.agency_scoped else [FrameInfo(**f) for f in frames],
            units=sum(per_agency.values()),
            agencies=[AgencyUnits(a, n) for a, n in sorted(per_agency.items())],
            cells=cells,
        )
