"""Counter ratings counted per period (today, this week, this month in Vietnam time) and per agency or
officer, read from the submissions of every wave whose questionnaire is a counter instrument.

When a rating was made: the one-stop system's ``rated_at`` for ratings it sent (stored as
``submitted_at``, channel ``onestop``), the server's receipt time for every other rating (a device clock
may be wrong), as the counter panels of the results pages do.

Ratings are grouped in SQL by their answer set (which repeats: three levels, or nine indicators of three
levels), so a month of ratings is read as a few hundred groups, not row by row.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from survey_engine.tables import Submission, Wave

VN = timezone(timedelta(hours=7), "ICT")  # Vietnam: UTC+7 all year
PERIODS = ("today", "week", "month")
RATED_AT = "CASE WHEN s.channel = 'onestop' THEN s.submitted_at ELSE s.received_at END"


@dataclass(frozen=True)
class CounterWave:
    """How to read a counter wave's answers: its rating item (``counter``) or scored items (``decree61``)."""

    wave_id: int
    instrument: str  # counter | decree61
    rating_item: str = ""
    scores: dict[str, dict[str, int]] = field(default_factory=dict)  # item → option code → score


@dataclass
class Tally:
    """The ratings of one period and group: counter-3 levels and Decree 61 totals, by count."""

    levels: Counter[int] = field(default_factory=Counter)  # 3 very satisfied, 2 satisfied, 1 dissatisfied
    d61_totals: Counter[float] = field(default_factory=Counter)  # total score (0–18) → ratings


def period_starts(now: datetime) -> dict[str, datetime]:
    """Start of today, this week (Monday) and this month, in Vietnam time."""
    local = now.astimezone(VN)
    today = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        "today": today,
        "week": today - timedelta(days=today.weekday()),
        "month": today.replace(day=1),
    }


def _definition(raw: object) -> dict[str, Any]:
    value = json.loads(raw) if isinstance(raw, str | bytes) else raw
    return value if isinstance(value, dict) else {}


async def counter_waves() -> list[CounterWave]:
    """Every wave whose questionnaire is a counter instrument, with how to read its answers."""
    rows = await Wave.select(Wave.id, Wave.questionnaire_version.definition.as_alias("definition"))
    found: list[CounterWave] = []
    for row in rows:
        d = _definition(row["definition"])
        instrument = d.get("instrument")
        items = [i for i in d.get("items", []) if isinstance(i, dict)]
        if instrument == "counter":
            rating = next(
                (str(i["code"]) for i in items if i.get("scale") == "counter3" or i.get("type") == "rating3"),
                None,
            )
            if rating:
                found.append(CounterWave(int(row["id"]), "counter", rating_item=rating))
        elif instrument == "decree61":
            scores = {
                str(i["code"]): {
                    str(o["code"]): int(o["score"]) for o in i.get("options", []) if "score" in o
                }
                for i in items
                if i.get("options") and any("score" in o for o in i["options"])
            }
            if scores:
                found.append(CounterWave(int(row["id"]), "decree61", scores=scores))
    return found


def _add(tally: Tally, wave: CounterWave, answers: dict[str, Any], count: int) -> None:
    if wave.instrument == "counter":
        value = answers.get(wave.rating_item)
        if value in (1, 2, 3) and not isinstance(value, bool):
            tally.levels[int(value)] += count
    else:
        picked = [wave.scores[item].get(str(answers.get(item))) for item in wave.scores]
        if all(p is not None for p in picked):  # every indicator scored (all are required)
            tally.d61_totals[float(sum(p for p in picked if p is not None))] += count


async def tallies(
    waves: Sequence[CounterWave],
    now: datetime,
    agency_id: int | None = None,
    by: str = "agency",
) -> dict[str, dict[object, Tally]]:
    """``{period: {group: Tally}}`` for today, this week and this month up to ``now``; the group is the
    agency id (``by="agency"``) or the officer code (``by="officer"``, ratings naming no officer left out).
    ``agency_id`` limits the ratings to one agency."""
    starts = period_starts(now)
    out: dict[str, dict[object, Tally]] = {p: {} for p in PERIODS}
    if not waves:
        return out
    by_id = {w.wave_id: w for w in waves}
    since = min(starts.values()).astimezone(UTC)
    group = "s.officer" if by == "officer" else "s.agency"
    wave_list = ", ".join(str(int(w)) for w in by_id)  # integers read from the database
    conditions = [f"s.wave IN ({wave_list})", "s.complete", f"{RATED_AT} >= {{}}", f"{RATED_AT} <= {{}}"]
    args: list[object] = [since, now.astimezone(UTC)]
    if agency_id is not None:
        conditions.append("s.agency = {}")
        args.append(agency_id)
    if by == "officer":
        conditions.append("s.officer IS NOT NULL")
    cuts = ", ".join(f"CASE WHEN {RATED_AT} >= {{}} THEN 1 ELSE 0 END AS in_{p}" for p in PERIODS)
    sql = (
        f"SELECT s.wave, {group} AS grp, CAST(s.answers AS TEXT) AS answers, {cuts}, COUNT(*) AS n"  # noqa: S608 - no user text
        f" FROM submission AS s WHERE {' AND '.join(conditions)}"
        " GROUP BY s.wave, grp, CAST(s.answers AS TEXT), 4, 5, 6"
    )
    cut_args = [starts[p].astimezone(UTC) for p in PERIODS]
    rows = await Submission.raw(sql, *cut_args, *args)
    for row in rows:
        wave, grp, answers, count = by_id[int(row["wave"])], row["grp"], row["answers"], int(row["n"])
        parsed = json.loads(answers) if isinstance(answers, str) else answers
        if not isinstance(parsed, dict):
            continue
        key = int(grp) if by == "agency" else str(grp)
        for period in PERIODS:
            if int(row[f"in_{period}"]):
                _add(out[period].setdefault(key, Tally()), wave, parsed, count)
    return out
