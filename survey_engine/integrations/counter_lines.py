"""One counter rating line of a bulk import, read and checked on its own (no database).

A line is shaped as a submission: ``{"id": UUID, "service_point": CODE, "questionnaire": "counter-3" |
"decree61-9", "answers": {ITEM: CODE…}, "dossier_code": TEXT?, "officer": CODE?, "rated_at": ISO-8601}``.
Every problem of the line is listed (with the item it concerns), never only the first. The answers are
checked later by the questionnaire's own validator (:func:`survey_engine.questionnaire.validate_answers`),
the one every submission passes, once the line's wave (and so its questionnaire version) is known.

Most lines take a fast path: decoded straight into a typed envelope (answers left as their raw JSON, each
distinct answer set decoded once per file); a line the fast path cannot take whole (a wrong type, an
unknown field, a UUID not in its canonical form, any problem at all) is read again by the general path,
which lists all its problems. Both give the same line and the same body hash.

CSV files exported from a one-stop system carry the same fields as columns (``id``, ``service_point``,
``questionnaire``, ``rated_at``, ``dossier_code``, ``officer``) and one column per answered item
(``RATING``, ``COMMENT``; ``D61_1`` … ``D61_9``); an empty cell is "not answered".
"""

from __future__ import annotations

import csv
import hashlib
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import msgspec

from survey_engine.errors import FieldProblem

COUNTER_QUESTIONNAIRES = ("counter-3", "decree61-9")
ENVELOPE = ("id", "service_point", "questionnaire", "answers", "dossier_code", "officer", "rated_at")
_KNOWN = frozenset(ENVELOPE)
CSV_FIELDS = tuple(f for f in ENVELOPE if f != "answers")
MAX_LINE_BYTES = 16 * 1024  # a rating with a 1,000-character comment fits many times over
CODE_MAX = 64
VN = timezone(timedelta(hours=7), "ICT")  # a rated_at without an offset is Vietnam time (UTC+7)
FUTURE_SLACK = timedelta(minutes=10)  # clocks of the one-stop system and ours may differ a little
OLDEST = datetime(2018, 1, 1, tzinfo=UTC)  # Decree 61/2018: no one-stop rating is older

_DECODER = msgspec.json.Decoder()
_CANONICAL = msgspec.json.Encoder(order="sorted")  # a line's canonical form (sorted keys): its body hash
_ANSWER_SETS_MAX = 50_000  # raw answer sets remembered by a reader: most lines repeat a few sets
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True, slots=True)
class RatingLine:
    """A line whose envelope is valid (its answers are not checked yet)."""

    number: int
    client_id: str
    service_point: str
    questionnaire: str
    answers: dict[str, object]
    dossier_code: str | None
    officer: str | None
    rated_at: datetime
    body_hash: str  # SHA-256 of the line's canonical form (as decoded, keys sorted): "same id, same body"
    text_answers: bool = False  # answers are CSV cells (strings), converted by the questionnaire's types
    answers_json: str = ""  # the answers' canonical JSON (sorted keys), when known (NDJSON lines)


@dataclass(frozen=True, slots=True)
class LineRejected:
    number: int
    problems: list[FieldProblem]


def _problem(item: str, message: str, code: str = "invalid") -> FieldProblem:
    return FieldProblem(item, message, code)


def _code(raw: dict[str, Any], name: str, problems: list[FieldProblem], required: bool) -> str | None:
    value = raw.get(name)
    if value is None or value == "":
        if required:
            problems.append(_problem(name, "required", "required"))
        return None
    if not isinstance(value, str):
        problems.append(_problem(name, "must be a string"))
        return None
    value = value.strip()
    if not value or len(value) > CODE_MAX:
        problems.append(_problem(name, f"must be 1 to {CODE_MAX} characters"))
        return None
    return value


def _rated_at(value: object, now: datetime, problems: list[FieldProblem]) -> datetime | None:
    if not isinstance(value, str) or not value:
        problems.append(_problem("rated_at", "required: an ISO-8601 date and time", "required"))
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        problems.append(_problem("rated_at", "must be an ISO-8601 date and time"))
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=VN)
    if parsed > now + FUTURE_SLACK:
        problems.append(_problem("rated_at", "is in the future"))
        return None
    if parsed < OLDEST:
        problems.append(_problem("rated_at", "is before 2018"))
        return None
    return parsed


def check_line(
    number: int, raw: object, now: datetime, text_answers: bool = False
) -> RatingLine | LineRejected:
    """The line's envelope checked: every problem listed, with the field it concerns."""
    if not isinstance(raw, dict):
        return LineRejected(number, [_problem("", "each line must be one JSON object")])
    problems: list[FieldProblem] = []
    unknown = [] if raw.keys() <= _KNOWN else sorted(k for k in raw if k not in _KNOWN)
    if unknown:
        problems.append(_problem(unknown[0], f"unknown field(s): {', '.join(unknown[:5])}", "unknown"))
    client_id = None
    value = raw.get("id")
    if isinstance(value, str):
        if _CANONICAL_UUID.fullmatch(value):
            client_id = value  # already as str(uuid.UUID(value)) writes it (most lines): no parse
        else:
            try:
                client_id = str(uuid.UUID(value))
            except ValueError:
                client_id = None
    if client_id is None:
        problems.append(_problem("id", "must be a UUID"))
    service_point = _code(raw, "service_point", problems, required=True)
    questionnaire = raw.get("questionnaire")
    if questionnaire not in COUNTER_QUESTIONNAIRES:
        problems.append(_problem("questionnaire", f"must be one of {', '.join(COUNTER_QUESTIONNAIRES)}"))
    answers = raw.get("answers")
    if not isinstance(answers, dict) or not answers:
        problems.append(_problem("answers", "must be a non-empty object of item codes and answers"))
    dossier_code = _code(raw, "dossier_code", problems, required=False)
    officer = _code(raw, "officer", problems, required=False)
    rated_at = _rated_at(raw.get("rated_at"), now, problems)
    if problems:
        return LineRejected(number, problems)
    assert client_id and service_point and rated_at and isinstance(answers, dict)  # noqa: S101 - checked above
    return RatingLine(
        number=number,
        client_id=client_id,
        service_point=service_point,
        questionnaire=str(questionnaire),
        answers=answers,
        dossier_code=dossier_code,
        officer=officer,
        rated_at=rated_at,
        body_hash=hashlib.sha256(_CANONICAL.encode(raw)).hexdigest(),
        text_answers=text_answers,
    )


class _Envelope(msgspec.Struct, forbid_unknown_fields=True):
    """A line of the usual shape, typed as it is decoded (UNSET: the field is absent from the line)."""

    id: str
    service_point: str
    questionnaire: str
    answers: msgspec.Raw
    rated_at: str
    dossier_code: str | msgspec.UnsetType | None = msgspec.UNSET
    officer: str | msgspec.UnsetType | None = msgspec.UNSET


_ENVELOPE = msgspec.json.Decoder(_Envelope)


class NdjsonReader:
    """Reads the lines of one NDJSON body, remembering the answer sets it has seen (decoded, and in
    canonical form) by their raw bytes."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._answer_sets: dict[bytes, tuple[dict[str, object], bytes] | None] = {}

    def read(self, number: int, data: bytes) -> RatingLine | LineRejected | None:
        """One NDJSON line (None for a blank line, which is skipped)."""
        if len(data) > MAX_LINE_BYTES:
            return LineRejected(number, [_problem("", f"the line is longer than {MAX_LINE_BYTES} bytes")])
        try:
            envelope = _ENVELOPE.decode(data)
        except msgspec.DecodeError:  # not the usual shape (or not JSON): the general path says why
            return read_ndjson_line(number, data, self.now)
        return self._typed(number, envelope) or read_ndjson_line(number, data, self.now)

    def _typed(self, number: int, line: _Envelope) -> RatingLine | None:
        """The line, when the fast path finds nothing wrong with it (None: let the general path tell)."""
        if not _CANONICAL_UUID.fullmatch(line.id) or line.questionnaire not in COUNTER_QUESTIONNAIRES:
            return None
        service_point = line.service_point.strip()
        if not 0 < len(service_point) <= CODE_MAX:
            return None
        # Absent, null and "" alike: no code (UNSET is falsy). As _code, otherwise stripped, 1-64 long.
        dossier_code = line.dossier_code.strip() if isinstance(line.dossier_code, str) else None
        officer = line.officer.strip() if isinstance(line.officer, str) else None
        if (line.dossier_code and not 0 < len(dossier_code or "") <= CODE_MAX) or (
            line.officer and not 0 < len(officer or "") <= CODE_MAX
        ):
            return None
        dossier_code, officer = dossier_code or None, officer or None
        problems: list[FieldProblem] = []
        rated_at = _rated_at(line.rated_at, self.now, problems)
        if rated_at is None:
            return None
        raw_answers = bytes(line.answers)
        if raw_answers in self._answer_sets:
            known = self._answer_sets[raw_answers]
        else:
            decoded = _DECODER.decode(raw_answers)
            known = (decoded, _CANONICAL.encode(decoded)) if isinstance(decoded, dict) and decoded else None
            if len(self._answer_sets) >= _ANSWER_SETS_MAX:
                self._answer_sets.clear()
            self._answer_sets[raw_answers] = known
        if known is None:
            return None
        answers, canonical_answers = known
        canonical: dict[str, object] = {
            "id": line.id,
            "service_point": line.service_point,
            "questionnaire": line.questionnaire,
            "answers": msgspec.Raw(canonical_answers),
            "rated_at": line.rated_at,
        }
        if line.dossier_code is not msgspec.UNSET:
            canonical["dossier_code"] = line.dossier_code
        if line.officer is not msgspec.UNSET:
            canonical["officer"] = line.officer
        return RatingLine(
            number=number,
            client_id=line.id,
            service_point=service_point,
            questionnaire=line.questionnaire,
            answers=answers,
            dossier_code=dossier_code,
            officer=officer,
            rated_at=rated_at,
            body_hash=hashlib.sha256(_CANONICAL.encode(canonical)).hexdigest(),
            answers_json=canonical_answers.decode("utf-8"),
        )


def read_ndjson_line(number: int, data: bytes, now: datetime) -> RatingLine | LineRejected | None:
    """One NDJSON line by the general path (None for a blank line, which is skipped)."""
    if len(data) > MAX_LINE_BYTES:
        return LineRejected(number, [_problem("", f"the line is longer than {MAX_LINE_BYTES} bytes")])
    if not data.strip():
        return None
    try:
        raw = _DECODER.decode(data)
    except msgspec.DecodeError as exc:
        return LineRejected(number, [_problem("", f"not valid JSON: {exc}")])
    return check_line(number, raw, now)


def ndjson_lines(body: bytes | Iterable[bytes], now: datetime) -> Iterator[RatingLine | LineRejected]:
    """The lines of an NDJSON body (or of an open binary file), numbered from 1 (blank lines are skipped
    but keep their number)."""
    reader = NdjsonReader(now)
    for number, data in enumerate(body.split(b"\n") if isinstance(body, bytes) else body, start=1):
        line = reader.read(number, data)
        if line is not None:
            yield line


def csv_rows(text: Iterable[str], now: datetime) -> Iterator[RatingLine | LineRejected]:
    """The rows of a CSV export (header first; line numbers count the header as line 1).

    Answer cells are strings; they are turned into typed answers by the questionnaire's own converter
    (:func:`survey_engine.questionnaire.normalise_form`) once the questionnaire is known, so ``"3"``
    becomes the scale value 3 and ``"S2"`` stays an option code.
    """
    reader = csv.DictReader(text)
    header = reader.fieldnames or []
    missing = [f for f in ("id", "service_point", "questionnaire", "rated_at") if f not in header]
    if missing:
        yield LineRejected(1, [_problem(missing[0], f"the header lacks: {', '.join(missing)}", "required")])
        return
    for row in reader:
        number = reader.line_num
        raw: dict[str, Any] = {f: row[f] for f in CSV_FIELDS if f in row and row[f] not in (None, "")}
        answers = {k: v for k, v in row.items() if k not in CSV_FIELDS and k and v not in (None, "")}
        raw["answers"] = answers
        yield check_line(number, raw, now, text_answers=True)
