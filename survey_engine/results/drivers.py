"""Drivers of satisfaction from the database: respondent-level element scores and the overall item of a
wave, one series, with the series' design; the figures by :func:`sampling.glm_drivers.estimate_drivers`.

**The outcome** is the questionnaire's own overall-satisfaction item, found in the definition (never by
template name): the one item that is not a criterion, is asked on the criteria's own scale (same item type
and scale), and sits in a section without criteria (sipas-2017's ``OVERALL``; the element-level questions
``E{n}_ALL`` sit in their element's section and are not it). A questionnaire without such an item
(sipas-2023, sipas-2025) gets no drivers: regressing the SIPAS index on its own elements is circular (the
index is their mean), so the answer says ``no_outcome`` and the pages say why.

Scores per respondent (0-100): the outcome is 100 when the overall answer is in the criteria's top answers,
0 when it is another valid answer ("don't know" and unanswered: missing); an element's score is the share
of its answered criteria in the top answers (as :func:`sampling.glm_drivers.element_scores`).

**The design** is the series' as the estimates build it (:mod:`survey_engine.results.analysis`): the
probability series (responses linked to a sampled unit with a final weight) with its strata, each sampled
unit a PSU, FPC from the stratum's population and the final weights (treated as fixed: the calibration of
the stored weights is not linearised here, docs/statistics.md); the self-selected series unweighted, each
service point × day (UTC) a cluster. An agency is a domain of the whole series (R's ``subset`` keeps the
design), so every complete response of the series is read: in pages of :data:`PAGE_ROWS` rows by id, each
page reduced at once to a few numbers per respondent (no JSON answers are kept), so memory grows with the
number of respondents times the number of elements, never with the answers.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from sampling import Design
from sampling.estimators import Domains
from sampling.glm_drivers import MIN_RESPONDENTS, DomainDrivers, estimate_drivers
from survey_engine.answer_codes import CriteriaLayout
from survey_engine.errors import Conflict, FieldProblem, InvalidInput
from survey_engine.fieldwork.sample_units import weights_for_wave
from survey_engine.questionnaire import Questionnaire
from survey_engine.results.analysis import SERIES, wave_of
from survey_engine.tables import Agency, Submission
from survey_engine.wave_context import WaveContext

__all__ = ["PAGE_ROWS", "PROVINCE", "OutcomeItem", "WaveDrivers", "outcome_item", "wave_drivers"]

PAGE_ROWS = 20_000
Keep = Callable[[str | None], bool]  # whether a response (by its dossier hash) belongs to the series
PROVINCE = ""  # the key of the whole series (the province) in WaveDrivers.domains


@dataclass(frozen=True)
class OutcomeItem:
    """The questionnaire's overall-satisfaction item and the answers that count as satisfied."""

    code: str
    top: frozenset[int]
    valid: frozenset[int]
    labels: dict[str, str]


@dataclass(frozen=True)
class WaveDrivers:
    """Drivers of one series of a wave: ``status`` is ``computed``, ``no_outcome`` (the questionnaire has
    no overall item of its own) or ``no_responses``; ``domains`` by agency code (:data:`PROVINCE` for the
    whole series); ``element_labels`` the elements' {vi, en} in the questionnaire's order."""

    wave: str
    series: str
    status: str
    outcome: OutcomeItem | None
    element_labels: dict[str, dict[str, str]]
    domains: dict[str, DomainDrivers]
    rows: int = 0
    min_respondents: int = MIN_RESPONDENTS


def outcome_item(q: Questionnaire, layout: CriteriaLayout) -> OutcomeItem | None:
    """The overall-satisfaction item of ``q`` (module docstring), or None when it has none."""
    criteria = set(layout.codes)
    by_code = {it.code: it for it in q.items}
    kinds = {(by_code[c].type, by_code[c].scale) for c in criteria if c in by_code}
    tops = {c.top for c in layout.criteria}
    valids = {c.valid for c in layout.criteria}
    if len(kinds) != 1 or len(tops) != 1 or len(valids) != 1:
        return None  # criteria on several scales: no single meaning of "satisfied" for an overall item
    kind = next(iter(kinds))
    sections = {by_code[c].section for c in criteria if c in by_code}
    found = [
        it
        for it in q.items
        if it.code not in criteria and (it.type, it.scale) == kind and it.section not in sections
    ]
    if len(found) != 1:
        return None
    item = found[0]
    labels = {lang: str(getattr(item.labels, lang, "") or "") for lang in ("vi", "en")}
    return OutcomeItem(item.code, next(iter(tops)), next(iter(valids)), labels)


def _page_sql(postgres: bool, outcome: str, agency_filter: bool) -> str:
    """One page of the series' complete responses (keyset by id). ``outcome`` is an item code, checked
    against ``[A-Za-z][A-Za-z0-9_]*`` by the questionnaire loader and again here."""
    if not outcome.replace("_", "").isalnum() or not outcome.isascii():  # pragma: no cover - checked above
        raise ValueError(f"bad item code {outcome!r}")
    if postgres:
        day = "((coalesce(submitted_at, received_at) AT TIME ZONE 'UTC')::date)::text"
        answer = f"(answers ->> '{outcome}')"
    else:
        day = "substr(coalesce(submitted_at, received_at), 1, 10)"
        answer = f"json_extract(answers, '$.{outcome}')"
    where = "wave = {} AND complete AND id > {}" + (" AND agency = {}" if agency_filter else "")
    return (
        f"SELECT id, agency, service_point, {day} AS day, dossier_hash, codes, {answer} AS outcome "  # noqa: S608 - values bound
        f"FROM submission WHERE {where} ORDER BY id LIMIT {PAGE_ROWS}"
    )


def _answer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


class _Columns:
    """The respondent-level columns of the drivers, grown page by page (compact: floats and small ints)."""

    def __init__(self, layout: CriteriaLayout, outcome: OutcomeItem) -> None:
        self.layout = layout
        self.outcome = outcome
        index = {c: j for j, c in enumerate(layout.codes)}
        self.members = [[index[c] for c in m] for _, m in layout.elements if m]
        self.codes = [code for code, m in layout.elements if m]
        self.valid = np.zeros(256, dtype=bool)
        self.top = np.zeros(256, dtype=bool)
        for v in outcome.valid:
            if 0 < v < 10:
                self.valid[ord(str(v))] = True
                self.top[ord(str(v))] = v in outcome.top
        self.scores: list[npt.NDArray[np.float64]] = []
        self.overall: list[npt.NDArray[np.float64]] = []
        self.agency: list[int] = []
        self.psu: list[str] = []
        self.keys: list[str | None] = []

    def add(self, page: Sequence[Sequence[Any]], keep: Keep) -> None:
        """One page of rows ``(id, agency, service_point, day, dossier_hash, codes, outcome answer)``."""
        k = len(self.layout.codes)
        rows = [r for r in page if r[5] and len(r[5]) == k and keep(r[4])]
        if not rows:
            return
        raw = np.frombuffer("".join(r[5] for r in rows).encode("ascii"), dtype=np.uint8).reshape(-1, k)
        valid, top = self.valid[raw], self.top[raw]
        scores = np.empty((len(rows), len(self.members)), dtype=np.float64)
        for e, cols in enumerate(self.members):
            answered = valid[:, cols].sum(axis=1)
            hits = top[:, cols].sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                scores[:, e] = np.where(answered > 0, 100.0 * hits / np.maximum(answered, 1), np.nan)
        self.scores.append(scores)
        answers = [_answer(r[6]) for r in rows]
        self.overall.append(
            np.array(
                [
                    (100.0 if a in self.outcome.top else 0.0) if a in self.outcome.valid else np.nan
                    for a in answers
                ],
                dtype=np.float64,
            )
        )
        self.agency.extend(int(r[1]) for r in rows)
        self.psu.extend(f"{r[2]}:{r[3] or ''}" for r in rows)
        self.keys.extend(r[4] for r in rows)


def _read_sqlite(
    path: str,
    sql: str,
    wave_id: int,
    columns: _Columns,
    keep: Keep,
    agency: int | None,
) -> None:
    """SQLite: the pages through the standard library's driver in this (worker) thread, read-only, as
    :func:`survey_engine.results.analysis_sql.read_sqlite_cells` does (tuples, no per-row dicts)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        last = 0
        while True:
            args = [wave_id, last] + ([agency] if agency is not None else [])
            page = conn.execute(sql.replace("{}", "?"), args).fetchall()
            if page:
                columns.add(page, keep)
                last = int(page[-1][0])
            if len(page) < PAGE_ROWS:
                return
    finally:
        conn.close()


async def _read(wave_id: int, columns: _Columns, keep: Keep, agency_id: int | None) -> None:
    engine = Submission._meta.db
    postgres = isinstance(engine, PostgresEngine)
    sql = _page_sql(postgres, columns.outcome.code, agency_id is not None)
    if isinstance(engine, SQLiteEngine):
        await asyncio.to_thread(_read_sqlite, engine.path, sql, wave_id, columns, keep, agency_id)
        return
    last = 0
    while True:
        args: list[Any] = [wave_id, last] + ([agency_id] if agency_id is not None else [])
        page = [tuple(r.values()) for r in await Submission.raw(sql, *args)]
        if page:
            await asyncio.to_thread(columns.add, page, keep)
            last = int(page[-1][0])
        if len(page) < PAGE_ROWS:
            return


async def wave_drivers(
    wave: str | WaveContext,
    series: str = "self-selected",
    agencies: Sequence[str] | None = None,
    *,
    province: bool = False,
    level: float = 0.95,
    min_respondents: int = MIN_RESPONDENTS,
) -> WaveDrivers:
    """Drivers of ``series`` for each agency code in ``agencies`` (None: every agency with responses) and,
    with ``province``, for the whole series. Reads only."""
    if series not in SERIES:
        raise InvalidInput("unknown series", [FieldProblem("series", f"one of {', '.join(SERIES)}")])
    context = await wave_of(wave)
    layout = context.layout
    if layout is None or not layout.criteria:
        raise InvalidInput(
            "drivers need a questionnaire with an index",
            [FieldProblem("wave", f"questionnaire {context.questionnaire.id} defines no index")],
        )
    labels = {code: dict(layout.labels.get(code, {})) for code, members in layout.elements if members}
    # Element scores are shares of top answers, so only a top-box rule gives them a meaning; the scored
    # rules (Decree 61, IKM) have no overall question either: not computed, as for sipas-2023.
    outcome = outcome_item(context.questionnaire, layout) if layout.rule == "top_box_share" else None
    if outcome is None or len(labels) < 2:
        return WaveDrivers(context.code, series, "no_outcome", None, labels, {})
    weights = await weights_for_wave(context.id)
    if series == "probability" and not weights:
        raise Conflict("this wave has no computed weights yet: draw a sample and compute weights first")

    def keep(dossier: str | None) -> bool:
        linked = dossier is not None and dossier in weights
        return linked if series == "probability" else not linked

    codes_by_id = {
        int(r["id"]): str(r["code"])
        for r in await Agency.select(Agency.id, Agency.code).output(as_list=False)
    }
    columns = _Columns(layout, outcome)
    await _read(context.id, columns, keep, None)
    n = len(columns.agency)
    if n == 0:
        return WaveDrivers(context.code, series, "no_responses", outcome, labels, {})
    result = await asyncio.to_thread(
        _estimate, columns, weights, series, codes_by_id, agencies, province, level, min_respondents
    )
    return WaveDrivers(context.code, series, "computed", outcome, labels, result, n, min_respondents)


def _estimate(
    columns: _Columns,
    weights: dict[str, Any],
    series: str,
    codes_by_id: dict[int, str],
    agencies: Sequence[str] | None,
    province: bool,
    level: float,
    min_respondents: int,
) -> dict[str, DomainDrivers]:
    scores = np.concatenate(columns.scores)
    overall = np.concatenate(columns.overall)
    n = len(overall)
    if series == "probability":
        w = [weights[str(k)] for k in columns.keys]
        design = Design(
            weights=np.array([x.final_weight for x in w]),
            strata=np.array([x.stratum for x in w], dtype=object),
            psu=np.array([x.psu for x in w], dtype=object),
            fpc=np.array([float(x.fpc) for x in w]),
            lonely_psu="adjust",
        )
    else:
        design = Design(weights=np.ones(n), psu=np.array(columns.psu, dtype=object), lonely_psu="adjust")
    agency = np.array([codes_by_id.get(a, str(a)) for a in columns.agency], dtype=object)
    wanted = sorted(set(agency.tolist())) if agencies is None else list(dict.fromkeys(agencies))
    elements = {code: scores[:, e] for e, code in enumerate(columns.codes)}
    out: dict[str, DomainDrivers] = {}
    if wanted:
        position = {code: i for i, code in enumerate(wanted)}
        codes = np.array([position.get(a, -1) for a in agency.tolist()], dtype=np.int64)
        doms = Domains(codes, tuple({"agency": c} for c in wanted))
        for code, d in zip(
            wanted,
            estimate_drivers(
                design, overall, elements, by=doms, level=level, min_respondents=min_respondents
            ),
            strict=True,
        ):
            out[code] = d
    if province:
        out[PROVINCE] = estimate_drivers(
            design, overall, elements, level=level, min_respondents=min_respondents
        )[0]
    return out
