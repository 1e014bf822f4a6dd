"""Large NDJSON files are parsed by worker processes (survey_engine.integrations.counter_workers): the same
report (counts, rejected line numbers and problems), the same stored rows and the same webhook events as
parsing in the importing process, whatever the block boundaries."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest

from survey_engine.collection.ingest_store import INSERT_COLUMNS
from survey_engine.collection.receipts import dossier_hash
from survey_engine.integrations.counter_import import CounterImportService
from survey_engine.integrations.counter_lines import MAX_LINE_BYTES, ndjson_lines
from survey_engine.integrations.counter_rows import BuiltRow, RowBuilder, Target, targets_from
from survey_engine.integrations.counter_workers import file_blocks
from survey_engine.tables import Submission, WebhookEvent
from tests.api.conftest import World
from tests.integrations.helpers import d61, listening, open_counter_waves, rating


def _file(path: Path) -> int:
    """A file mixing every kind of line: valid ratings of both questionnaires (some low, with comments,
    dossiers and officers), malformed lines, an unknown point, an invalid answer, blank and CRLF lines, a
    repeated line, a line repeating an id with another body, a dossier rated twice, lines too long to
    read, and a last line without a newline. Returns the number of lines."""
    lines: list[bytes] = []
    for k in range(120):
        first = rating(value=1 + k % 3, officer=f"CB{k % 4}", dossier_code=f"HS-{k}" if k % 2 else None)
        if k % 7 == 0:
            first["answers"]["COMMENT"] = f"góp ý {k}"
        lines.append(msgspec.json.encode(first))
        lines.append(msgspec.json.encode(d61(point="A2-Q1", scores=(k % 3,) * 9)))
        if k % 10 == 0:
            lines += [b'{"id": 1}', b"", b"not json", msgspec.json.encode(rating(point="ZZ-Q9"))]
            lines.append(msgspec.json.encode(rating(value=7)))
            lines.append(msgspec.json.encode(first))  # the same line again: a duplicate
            lines.append(msgspec.json.encode({**first, "officer": "other"}))  # same id, other body
            lines.append(msgspec.json.encode(rating(dossier_code="HS-1")))  # HS-1 is rated at k = 1
            lines.append(msgspec.json.encode(rating()) + b"\r")  # a CRLF line
        if k % 40 == 5:
            lines.append(b'{"id": "' + b"x" * (MAX_LINE_BYTES + 500) + b'"}')
    path.write_bytes(b"\n".join(lines))  # no newline after the last line
    return len(lines)


async def _stored() -> tuple[list[tuple[Any, ...]], list[tuple[str, str]]]:
    rows = await Submission.select(
        Submission.client_id,
        Submission.answers,
        Submission.body_hash,
        Submission.dossier_hash,
        Submission.officer,
        Submission.codes,
        Submission.wave,
        Submission.submitted_at,
    )
    columns = ("body_hash", "dossier_hash", "officer", "codes", "wave", "submitted_at")
    stored = sorted(
        (
            str(r["client_id"]),
            json.dumps(r["answers"]) if isinstance(r["answers"], dict) else r["answers"],
            *(r[k] for k in columns),
        )
        for r in rows
    )
    events = await WebhookEvent.select(WebhookEvent.event_type, WebhookEvent.payload)
    return stored, sorted((str(e["event_type"]), json.loads(e["payload"])["submission"]) for e in events)


@pytest.mark.parametrize("block_bytes", [700, 64 * 1024])
async def test_workers_import_a_file_as_one_process_does(
    world: World, tmp_path: Path, block_bytes: int
) -> None:
    await open_counter_waves(world)
    await listening("A1")  # A1's low ratings and comments raise events; A2's raise none
    path = tmp_path / "ratings.ndjson"
    lines = _file(path)
    secret = world.app.state.services.settings.secret_key

    here = await CounterImportService(secret).import_ndjson_file(None, path, workers=0)
    stored_here = await _stored()
    await WebhookEvent.delete(force=True)
    await Submission.delete(force=True)

    parallel = CounterImportService(secret, chunk_rows=50, parallel_from_bytes=0, block_bytes=block_bytes)
    there = await parallel.import_ndjson_file(None, path, workers=2)
    assert there.as_json() == here.as_json()
    assert there.lines == here.lines
    assert await _stored() == stored_here

    report = here.as_json()
    rejected = {r["line"]: r["problems"] for r in report["rejected"]}  # type: ignore[union-attr]
    assert here.accepted == len(stored_here[0]) and here.duplicates == 12
    assert 0 < len(rejected) < lines
    too_long = [n for n, problems in rejected.items() if "longer than" in problems[0]["message"]]
    assert len(too_long) == 3
    kinds = {p.get("item") for problems in rejected.values() for p in problems}
    assert {"id", "service_point", "answers.RATING", "dossier_code"} <= kinds
    assert stored_here[1] and {kind for kind, _ in stored_here[1]} == {"low_rating", "comment"}


def test_blocks_hold_whole_lines_and_skip_lines_too_long(tmp_path: Path) -> None:
    path = tmp_path / "f.ndjson"
    long_line = b"y" * (MAX_LINE_BYTES * 3)
    path.write_bytes(b"a\n\nbb\r\n" + long_line + b"\ncc\n" + long_line + b"\nlast")
    blocks = list(file_blocks(path, block_bytes=5))
    numbered: dict[int, bytes] = {}
    too_long: list[int] = []
    for block in blocks:
        too_long += block.too_long
        pieces = block.data.split(b"\n")
        if block.data.endswith(b"\n"):
            pieces.pop()
        for n, piece in enumerate(pieces, start=block.first_number):
            assert n not in numbered
            numbered[n] = piece
    assert numbered == {1: b"a", 2: b"", 3: b"bb\r", 5: b"cc", 7: b"last"}
    assert too_long == [4, 6]
    # A file ending in a newline has no empty last line; an empty file has no block.
    path.write_bytes(b"a\nb\n")
    assert [(b.first_number, b.data) for b in file_blocks(path, block_bytes=3)] == [(1, b"a\n"), (2, b"b\n")]
    path.write_bytes(b"")
    assert list(file_blocks(path)) == []


async def test_a_built_row_holds_each_value_in_its_stored_column(world: World) -> None:
    """RowBuilder writes the row as a tuple in the ingestion store's column order: every value checked by
    its column's name, as the stores insert it."""
    await open_counter_waves(world)
    service = CounterImportService("k" * 40)
    found, in_scope = await service._target_rows(None, None)
    targets = targets_from(found, in_scope)
    now = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
    line = rating(value=2, dossier_code="HS-7", officer="CB09", rated_at="2026-12-06T08:00:00+07:00")
    read = ndjson_lines(msgspec.json.encode(line), now)
    built = RowBuilder("k" * 40, targets, now, times_as_text=True).build(next(iter(read)))
    assert isinstance(built, BuiltRow)
    values = dict(zip(INSERT_COLUMNS, built.row, strict=True))
    target = targets.of("A1-Q1", "counter-3")
    assert isinstance(target, Target)
    assert values == {
        "client_id": line["id"],
        "wave": target.wave_id,
        "service_point": target.service_point_id,
        "agency": target.agency_id,
        "questionnaire_version": target.version_number,
        "channel": "onestop",
        "language": "vi",
        "started_at": None,
        "submitted_at": "2026-12-06 01:00:00+00:00",
        "received_at": "2026-12-06 03:00:00+00:00",
        "duration_seconds": None,
        "answers": '{"RATING":2}',
        "body_hash": values["body_hash"],
        "dossier_hash": dossier_hash("k" * 40, "HS-7"),
        "device": None,
        "interviewer": None,
        "complete": True,
        "codes": "2",
        "officer": "CB09",
    }
    assert len(str(values["body_hash"])) == 64
