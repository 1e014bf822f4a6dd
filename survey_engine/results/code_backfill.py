"""Answer codes for responses stored before the ``codes`` column existed: a step of the migration.

Estimation reads the compact ``codes`` column (:mod:`survey_engine.answer_codes`) and counts only the
responses that have it, so every stored response must carry its codes. New responses get them when they
are stored; older ones get them here, once, when the database is migrated (``sipas db migrate`` and
every CLI command that migrates first). Reads never write: a response without codes after a migration
is a bug, not a job for the next request.
"""

from __future__ import annotations

from datetime import UTC, datetime

from survey_engine.answer_codes import MISSING_CHAR, CriteriaLayout
from survey_engine.results.series_cells import clear_series_cells
from survey_engine.tables import Submission, Wave
from survey_engine.transactions import write_transaction
from survey_engine.wave_context import load_wave

BATCH = 2000


async def backfill_codes(wave_id: int, layout: CriteriaLayout) -> int:
    """Codes of one wave's responses that have none, from their JSON answers; returns how many."""
    done = 0
    while True:
        rows = (
            await Submission.select(Submission.id, Submission.answers)
            .where((Submission.wave == wave_id) & Submission.codes.is_null())
            .limit(BATCH)
            .output(load_json=True)
        )
        if not rows:
            return done
        for r in rows:
            await Submission.update({Submission.codes: layout.encode(r["answers"] or {})}).where(
                Submission.id == r["id"]
            )
        done += len(rows)


async def recode_scored_choices() -> int:
    """Codes of the responses to questionnaires with scored single-choice criteria (Decree 61) stored
    before such answers had code characters: their codes were all "." (unanswered), so the estimates
    could not see them. Re-encoded from the JSON answers; idempotent (a second run finds codes that
    already hold the answers, or rows genuinely unanswered, whose codes do not change)."""
    done = 0
    waves = await Wave.select(Wave.code)
    for w in waves:
        context = await load_wave(str(w["code"]))
        layout = context.layout
        if layout is None or not any(c.choices for c in layout.criteria):
            continue
        blank = MISSING_CHAR * len(layout.codes)
        rows = (
            await Submission.select(Submission.id, Submission.answers)
            .where((Submission.wave == context.id) & (Submission.codes == blank))
            .output(load_json=True)
        )
        changed = [(r["id"], layout.encode(r["answers"] or {})) for r in rows]
        changed = [(i, codes) for i, codes in changed if codes != blank]
        if not changed:
            continue
        # One transaction with the wave's change time: that is what tells the estimates' kept cells of
        # every process (series_cells' data version) to read the wave again, so the codes never change
        # without it (a run stopped half-way leaves both as they were).
        async with write_transaction(Submission._meta.db):
            for i, codes in changed:
                await Submission.update({Submission.codes: codes}).where(Submission.id == i)
            await Wave.update({Wave.updated_at: datetime.now(UTC)}).where(Wave.id == context.id)
        done += len(changed)
    return done


async def backfill_answer_codes() -> int:
    """Codes of every response that has none, wave by wave, and of scored single-choice answers stored
    before they had codes (:func:`recode_scored_choices`); returns how many were written.

    Idempotent: a second run finds nothing to do.
    """
    waves = await Submission.select(Submission.wave).where(Submission.codes.is_null()).distinct()
    done = await recode_scored_choices()
    for w in waves:
        row = await Wave.select(Wave.code).where(Wave.id == w["wave"]).first()
        if row is None:  # pragma: no cover - a response always belongs to a wave (foreign key)
            continue
        context = await load_wave(str(row["code"]))
        if context.layout is None:  # pragma: no cover - such a wave takes no responses (forms need one)
            continue
        done += await backfill_codes(context.id, context.layout)
    if done:
        clear_series_cells()  # sums kept by this process counted the responses without their codes
    return done
