"""Bulk appends (the counter import's store path) decide every row as ``decide`` does row by row.

On SQLite an append inserts first (``INSERT OR IGNORE``) and explains the rows the unique indexes skipped
afterwards; these tests run random batches mixing every case (ids stored before with the same or another
body, ids and dossiers repeated inside the batch, dossiers already rated, a closed wave, a retired point, a
point whose token changed) through both paths from the same database state and compare each row's
decision, the rows stored and the events written.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from survey_engine.collection.ingest_append import Appended
from survey_engine.collection.ingest_store import (
    INSERT_COLUMNS,
    Accepted,
    Decision,
    Replayed,
    batch_store_for,
)
from survey_engine.tables import ServicePoint, Submission, Wave, WebhookEvent
from survey_engine.webhooks.outbox import outbox_row
from tests.api.conftest import World
from tests.integrations.helpers import open_counter_waves

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


class _Pending:
    """A row as the row-by-row path (``write``) takes it."""

    def __init__(self, row: tuple[Any, ...], token: str, events: list[Any]) -> None:
        values = dict(zip(INSERT_COLUMNS, row, strict=True))
        self.row = row
        self.client_id = values["client_id"]
        self.body_hash = values["body_hash"]
        self.wave_id = values["wave"]
        self.service_point_id = values["service_point"]
        self.dossier_hash = values["dossier_hash"]
        self.token = token
        self.device_id: int | None = None
        self.rate_key = ""
        self.events = events


def _row(
    client_id: str, body: str, wave: int, point: int, agency: int, dossier: str | None
) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "client_id": client_id,
        "wave": wave,
        "service_point": point,
        "agency": agency,
        "questionnaire_version": 1,
        "channel": "onestop",
        "language": "vi",
        "started_at": None,
        "submitted_at": NOW,
        "received_at": NOW,
        "duration_seconds": None,
        "answers": '{"RATING":3}',
        "body_hash": body,
        "dossier_hash": dossier,
        "device": None,
        "interviewer": None,
        "complete": True,
        "codes": "3",
        "officer": None,
    }
    return tuple(values[c] for c in INSERT_COLUMNS)


def _outcome(decision: Decision) -> str:
    if isinstance(decision, Accepted):
        return "stored"
    if isinstance(decision, Replayed):
        return "replayed"
    return f"{type(decision).__name__}:{getattr(decision, 'kind', '')}:{decision.detail}"


def _outcomes(appended: Appended, n: int) -> list[str]:
    out = ["stored"] * n
    for i in appended.replayed:
        out[i] = "replayed"
    for i, refusal in appended.refused.items():
        out[i] = _outcome(refusal)
    return out


async def _state() -> tuple[list[tuple[str, str]], int]:
    rows = await Submission.select(Submission.client_id, Submission.body_hash)
    return sorted((str(r["client_id"]), str(r["body_hash"])) for r in rows), await WebhookEvent.count()


async def _forget_since(before: int, events_before: int) -> None:
    await Submission.delete().where(Submission.id > before)
    await WebhookEvent.delete().where(WebhookEvent.id > events_before)


async def _max_ids() -> tuple[int, int]:
    last = await Submission.select(Submission.id).order_by(Submission.id, ascending=False).first()
    event = await WebhookEvent.select(WebhookEvent.id).order_by(WebhookEvent.id, ascending=False).first()
    return (int(last["id"]) if last else 0), (int(event["id"]) if event else 0)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_an_append_decides_every_row_as_decide_does(world: World, seed: int) -> None:
    await open_counter_waves(world)
    waves = {str(w["code"]): int(w["id"]) for w in await Wave.select(Wave.code, Wave.id)}
    open_wave, closed_wave = waves["C3"], waves["D61"]
    points = {
        str(p["code"]): (int(p["id"]), int(p["agency"]), str(p["public_token"]))
        for p in await ServicePoint.select(
            ServicePoint.code, ServicePoint.id, ServicePoint.agency, ServicePoint.public_token
        )
    }
    a1, a2 = points["A1-Q1"], points["A2-Q1"]
    await Wave.update({Wave.status: "closed"}).where(Wave.id == closed_wave)
    tokens = {a1[0]: a1[2], a2[0]: "a-token-that-was-replaced"}
    rng = random.Random(seed)
    ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(60)]
    dossiers = [f"{k:064x}" for k in range(25)]
    store = batch_store_for(Submission._meta.db)
    try:
        # Stored before the batch: a third of the ids, some of the dossiers.
        earlier = [
            _row(ids[k], f"b{k % 2}", open_wave, a1[0], a1[1], dossiers[k] if k < 8 else None)
            for k in range(20)
        ]
        await store.write([_Pending(r, a1[2], []) for r in earlier])
        batch: list[tuple[Any, ...]] = []
        events: dict[int, list[Any]] = {}
        for i in range(300):
            point = a1 if rng.random() < 0.9 else a2
            wave = open_wave if rng.random() < 0.93 else closed_wave
            dossier = rng.choice(dossiers) if rng.random() < 0.4 else None
            batch.append(_row(rng.choice(ids), f"b{rng.randrange(2)}", wave, point[0], point[1], dossier))
            if rng.random() < 0.3:
                events[i] = [
                    outbox_row("low_rating", point[1], {"submission": batch[-1][0]}, NOW, str(uuid.uuid4()))
                ]
        before, events_before = await _max_ids()

        decided = await store.write(
            [_Pending(r, tokens[r[2]], events.get(i, [])) for i, r in enumerate(batch)]
        )
        by_decide = [_outcome(d) for d in decided]
        state_decide = await _state()
        await _forget_since(before, events_before)

        appended = await store.append(batch, tokens, events)
        by_append = _outcomes(appended, len(batch))
        state_append = await _state()
    finally:
        await store.close()

    assert by_append == by_decide
    assert state_append == state_decide
    kinds = set(by_decide)
    # The batch really mixes every case (else the comparison proves little).
    assert {"stored", "replayed"} <= kinds and len(kinds) >= 5, kinds
