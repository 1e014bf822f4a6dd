"""The one way into the outbox: call :func:`enqueue` inside the transaction that stores the event's cause.

An event is one row of ``webhook_event`` (who it is about, its type, its ``data`` object as JSON). Nothing
is sent from here: the delivery worker (:mod:`survey_engine.webhooks.delivery`) fans each event out to the
agency's active subscriptions and delivers it. Because the row is written in the cause's own transaction,
an event exists exactly when its cause was stored, and a crash cannot lose one or invent one.

Writers that bypass Piccolo for speed (group commit of submissions, bulk imports) build rows with
:func:`outbox_row` and write them on their own connection with :func:`insert_sqlite` /
:func:`insert_postgres`, inside their transaction.

``data`` must not carry personal data beyond what the agency is entitled to: never contact details,
names of respondents, phone numbers or dossier codes; free text only in events about the agency that the
text was written about (the event's ``agency``). docs/webhooks.md lists each type's fields.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec

from survey_engine import sqlite_rows
from survey_engine.errors import FieldProblem, InvalidInput
from survey_engine.tables import WebhookEvent
from survey_engine.webhooks.events import EVENT_TYPES

OUTBOX_COLUMNS = ("event_id", "agency", "event_type", "payload", "created_at")
MAX_PAYLOAD_BYTES = 64 * 1024
COPY_FROM_ROWS = 500  # from this many rows, PostgreSQL gets them by COPY (as the ingestion store's rows)
_ENCODER = msgspec.json.Encoder(order="sorted")


@dataclass(frozen=True)
class OutboxRow:
    event_id: str
    agency: int
    event_type: str
    payload: str
    created_at: datetime

    def values(self) -> tuple[Any, ...]:
        return (self.event_id, self.agency, self.event_type, self.payload, self.created_at)


def outbox_row(
    event_type: str,
    agency_id: int,
    data: Mapping[str, object],
    created_at: datetime | None = None,
    event_id: str | None = None,
) -> OutboxRow:
    """A checked outbox row (a programming error, not user input, when it does not check); ``event_id``:
    a fresh UUID drawn by the caller (bulk writers draw them many at a time), else one drawn here."""
    if event_type not in EVENT_TYPES:
        raise InvalidInput(
            "unknown webhook event type", [FieldProblem("event_type", f"one of {', '.join(EVENT_TYPES)}")]
        )
    payload = _ENCODER.encode(dict(data)).decode("utf-8")
    if len(payload.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise InvalidInput("webhook event data too large", [FieldProblem("data", "at most 64 KiB")])
    return OutboxRow(
        event_id or str(uuid.uuid4()), int(agency_id), event_type, payload, created_at or datetime.now(UTC)
    )


async def enqueue(
    event_type: str, agency_id: int, data: Mapping[str, object], created_at: datetime | None = None
) -> str:
    """Put an event in the outbox and return its id. Call it inside the Piccolo transaction that stores
    what caused the event (``async with write_transaction(engine): ...``): the insert joins it."""
    row = outbox_row(event_type, agency_id, data, created_at)
    await WebhookEvent.insert(
        WebhookEvent(
            event_id=row.event_id,
            agency=row.agency,
            event_type=row.event_type,
            payload=row.payload,
            created_at=row.created_at,
        )
    )
    return row.event_id


_INSERT = f"INSERT INTO webhook_event ({', '.join(OUTBOX_COLUMNS)}) VALUES "  # noqa: S608 - fixed names


def insert_sqlite(conn: sqlite3.Connection, rows: Sequence[OutboxRow]) -> None:
    if rows:
        sqlite_rows.insert(conn, "webhook_event", OUTBOX_COLUMNS, [r.values() for r in rows])


async def insert_postgres(conn: Any, rows: Sequence[OutboxRow]) -> None:
    """``conn``: an asyncpg connection inside the caller's transaction (many rows: one COPY)."""
    if len(rows) >= COPY_FROM_ROWS:
        records = [r.values() for r in rows]
        await conn.copy_records_to_table("webhook_event", records=records, columns=OUTBOX_COLUMNS)
    elif rows:
        await conn.executemany(_INSERT + "($1, $2, $3, $4, $5)", [r.values() for r in rows])
