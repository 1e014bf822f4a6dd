"""Estimates by field, frame demographics and questionnaire items, and the explicit calibration of the
self-selected series: the database's numbers equal `sampling` run directly on the same rows (1e-9), on
SQLite and PostgreSQL; unknown values form their own domain; agency scoping; bad parameters."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from typing import Any

import numpy as np
import pytest

from sampling import Design, estimate_indices
from sampling.calibration import poststratify
from survey_engine.answer_codes import criteria_layout
from survey_engine.collection.receipts import sign_receipt
from survey_engine.questionnaire import get_template
from survey_engine.tables import FrameUnit, ServicePoint, Submission
from tests.api.conftest import World
from tests.api.test_fieldwork import SECRET, post_frame

FIELDS = ("Hộ tịch", "Đất đai", "Xây dựng")
UNKNOWN = "unknown"


def _frame() -> str:
    """Frame of wave E1: 30/60/90 dossiers per field and agency; sex given for all but every 7th."""
    lines = ["dossier_code,agency,field,completed_on,sex"]
    for agency in ("A1", "A2"):
        for f, field in enumerate(FIELDS):
            for i in range(30 * (f + 1)):
                sex = "" if i % 7 == 0 else ("nu" if i % 2 else "nam")
                lines.append(f"D-{agency}-{f}-{i:03d},{agency},{field},2026-01-15,{sex}")
    return "\n".join(lines) + "\n"


async def wave_with_frame(world: World, responses: int = 300, frame: bool = True) -> None:
    """A sipas-2017 wave; responses carry a frame dossier (2 in 3), a dossier outside the frame (1 in 9)
    or none; D3 (education, optional) is left out of every 5th response."""
    admin = world.auth("admin")
    assert (
        await world.client.post("/api/v1/questionnaires", json={"template": "sipas-2017"}, headers=admin)
    ).status_code == 201
    assert (
        await world.client.post("/api/v1/questionnaires/sipas-2017/publish", headers=admin)
    ).status_code == 200
    body = {
        "code": "E1",
        "name_vi": "Đợt",
        "name_en": "Wave",
        "questionnaire": "sipas-2017",
        "questionnaire_version": 1,
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "channels": ["online", "kiosk"],
        "agencies": ["A1", "A2"],
        "service_points": ["A1-Q1", "A2-Q1"],
    }
    assert (await world.client.post("/api/v1/waves", json=body, headers=admin)).status_code == 201
    assert (
        await world.client.post("/api/v1/waves/E1/status", json={"status": "open"}, headers=admin)
    ).status_code == 200
    if frame:
        assert (await post_frame(world, _frame(), wave="E1")).status_code == 201
    tokens = [
        r["public_token"]
        for r in await ServicePoint.select(ServicePoint.public_token).order_by(ServicePoint.code)
    ]
    q = get_template("sipas-2017")
    rng = random.Random(5)

    async def post(i: int) -> None:
        agency = i % 2
        f = rng.choice((0, 1, 1, 2, 2, 2))
        answers = simulate(q, rng, 0.9 - 0.1 * f - 0.1 * agency)
        if i % 5 == 0:
            answers.pop("D3", None)
        day = 1 + (i // 2) % 20
        body: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "token": tokens[agency],
            "answers": answers,
            "channel": "online",
            "submitted_at": f"2026-02-{day:02d}T09:05:00+00:00",
        }
        point = f"A{agency + 1}-Q1"  # respondents link their dossier with the receipt's signed code
        if i % 3:  # unique, in the frame when i//2 < 30
            body["receipt"] = sign_receipt(SECRET, f"D-A{agency + 1}-{f}-{i // 2:03d}", point)
        elif i % 9 == 0:
            body["receipt"] = sign_receipt(SECRET, f"X-{i:05d}", point)  # not in the frame
        response = await world.client.post("/api/v1/submissions", json=body)
        assert response.status_code == 201, response.text

    for start in range(0, responses, 50):
        await asyncio.gather(*(post(i) for i in range(start, min(start + 50, responses))))


def simulate(q: Any, rng: random.Random, mood: float) -> dict[str, Any]:
    from survey_engine.simulate import simulate_answers

    return simulate_answers(q, rng, mood)


async def stored_rows() -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    rows = await Submission.select(
        Submission.agency.code,
        Submission.service_point,
        Submission.channel,
        Submission.submitted_at,
        Submission.dossier_hash,
        Submission.answers,
    ).output(load_json=True)
    frame = {
        u["dossier_hash"]: u
        for u in await FrameUnit.select(
            FrameUnit.dossier_hash, FrameUnit.field, FrameUnit.demographics, FrameUnit.agency.code
        ).output(load_json=True)
    }
    return rows, frame


def _column(name: str, rows: list[dict[str, Any]], frame: dict[str, dict[str, Any]]) -> np.ndarray:
    def value(r: dict[str, Any]) -> str:
        unit = frame.get(r["dossier_hash"]) or {}
        if name == "agency":
            v = r["agency.code"]
        elif name == "channel":
            v = r["channel"]
        elif name == "field":
            v = unit.get("field")
        elif name.startswith("frame:"):
            v = (unit.get("demographics") or {}).get(name[6:])
        else:
            v = r["answers"].get(name[5:])
        return UNKNOWN if v in (None, "") else str(v)

    return np.array([value(r) for r in rows], dtype=object)


def direct_estimates(
    rows: list[dict[str, Any]],
    frame: dict[str, dict[str, Any]],
    by: tuple[str, ...],
    calibrate: tuple[str, ...] = (),
) -> dict[tuple[str, tuple[tuple[str, str], ...]], Any]:
    """`sampling` on rows decoded from the stored JSON answers (and the frame for field/demographics)."""
    if "field" in calibrate:
        rows = [r for r in rows if r["dossier_hash"] in frame]
    layout = criteria_layout(get_template("sipas-2017"))
    criteria = {
        c: np.array([float(r["answers"].get(c)) if r["answers"].get(c) is not None else np.nan for r in rows])
        for c in layout.codes
    }
    psu = np.array([f"{r['service_point']}:{r['submitted_at'].date()}" for r in rows])
    design = Design(weights=np.ones(len(rows)), psu=psu, lonely_psu="adjust")
    if calibrate:
        totals: Counter[str] = Counter(
            "|".join(u["agency.code"] if v == "agency" else u["field"] for v in calibrate)
            for u in frame.values()
        )
        design, _ = poststratify(
            design,
            {v: _column(v, rows, frame) for v in calibrate},
            {"|".join(calibrate): dict(totals)},
            partial=True,
        )
    groups = {code: list(members) for code, members in layout.elements}
    result = estimate_indices(
        design, criteria, groups, by={b: _column(b, rows, frame) for b in by}, dont_know=(0,)
    )
    return {
        (e.variable, tuple(sorted(e.domain.items()))): e
        for e in (*result.criteria.estimates, *result.groups.estimates)
    }


def check_estimates(body: dict[str, Any], direct: dict[Any, Any]) -> int:
    seen = 0
    for item in (*body["criteria"], *body["indices"]):
        code = item.get("criterion") or item["index"]
        e = direct[(code, tuple(sorted(item["domain"].items())))]
        assert item["estimate"] == pytest.approx(e.estimate, rel=1e-9), (code, item["domain"])
        assert item["se"] == pytest.approx(e.se, rel=1e-9, abs=1e-12), (code, item["domain"])
        assert (item["ci_low"], item["ci_high"]) == pytest.approx((e.ci_low, e.ci_high), rel=1e-9, abs=1e-12)
        assert item["n"] == e.n and item["df"] == e.df
        seen += 1
    assert seen == len(direct)  # every domain of `sampling` is in the answer, and nothing else
    return seen


async def get_estimates(world: World, query: str, role: str = "statistician") -> Any:
    return await world.client.get(f"/api/v1/waves/E1/estimates?{query}", headers=world.auth(role))


async def test_field_demographic_and_item_domains_equal_sampling(world: World) -> None:
    await wave_with_frame(world)
    rows, frame = await stored_rows()
    for by in (
        ("field",),
        ("agency", "field"),
        ("frame:sex",),
        ("item:D1", "agency"),
        ("item:D3",),
        ("channel", "field", "frame:sex"),
    ):
        response = await get_estimates(world, "&".join(f"by={b}" for b in by))
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["by"] == list(by) and body["rows"] == len(rows) and body["calibration"] is None
        assert "unknown" in body["design"]["unknown"]
        check_estimates(body, direct_estimates(rows, frame, by))
        overall = [i for i in body["indices"] if i["kind"] == "overall"]
        # every response is in some domain: the unknown domain is explicit, nothing is dropped
        assert sum(i["n"] for i in overall) == len(rows)
    fields = {
        i["domain"]["field"]
        for i in (await get_estimates(world, "by=field")).json()["indices"]
        if i["kind"] == "overall"
    }
    assert fields == {*FIELDS, UNKNOWN}  # no dossier, or a dossier outside the frame: unknown
    education = {i["domain"]["item:D3"] for i in (await get_estimates(world, "by=item:D3")).json()["indices"]}
    assert UNKNOWN in education and "PRIMARY" in education
    sexes = {i["domain"]["frame:sex"] for i in (await get_estimates(world, "by=frame:sex")).json()["indices"]}
    assert sexes == {"nam", "nu", UNKNOWN}
    csv_text = (await get_estimates(world, "by=agency&by=field&format=csv")).text
    assert "agency=A1;field=Hộ tịch" in csv_text and f"agency=A2;field={UNKNOWN}" in csv_text


async def test_agency_user_sees_own_agency_crossed_with_new_domains(world: World) -> None:
    await wave_with_frame(world, responses=120)
    own = (await get_estimates(world, "by=agency&by=field", role="agency")).json()
    assert {i["domain"]["agency"] for i in own["indices"]} == {"A1"}
    assert {i["domain"]["field"] for i in own["indices"]} >= {UNKNOWN, FIELDS[0]}
    for query in ("by=field", "by=item:D1", "by=frame:sex&by=channel"):
        forbidden = await get_estimates(world, query, role="agency")
        assert forbidden.status_code == 403
        assert forbidden.headers["content-type"].startswith("application/problem+json")
    calibrated = (await get_estimates(world, "by=agency&calibrate=frame-agency", role="agency")).json()
    assert [t["cell"] for t in calibrated["calibration"]["targets"]] == [{"agency": "A1"}]
    assert {i["domain"]["agency"] for i in calibrated["indices"]} == {"A1"}


@pytest.mark.parametrize(
    ("option", "variables", "by"),
    [
        ("frame-agency", ("agency",), ("channel",)),
        ("frame-agency", ("agency",), ("agency",)),
        ("frame-agency-field", ("agency", "field"), ("field",)),
        ("frame-agency-field", ("agency", "field"), ("item:D1", "agency")),
    ],
)
async def test_calibrated_self_selected_series_equals_sampling_poststratify(
    world: World, option: str, variables: tuple[str, ...], by: tuple[str, ...]
) -> None:
    await wave_with_frame(world)
    rows, frame = await stored_rows()
    plain = (await get_estimates(world, "&".join(f"by={b}" for b in by))).json()
    response = await get_estimates(world, "&".join(f"by={b}" for b in by) + f"&calibrate={option}")
    assert response.status_code == 200, response.text
    body = response.json()
    check_estimates(body, direct_estimates(rows, frame, by, variables))
    calibration = body["calibration"]
    assert calibration["method"] == "poststratify" and calibration["variables"] == list(variables)
    assert (
        "linearisation" in calibration["variance"]
        and "not a probability sample" in body["design"]["label"]["en"]
    )
    linked = sum(1 for r in rows if r["dossier_hash"] in frame)
    assert body["rows"] == (linked if "field" in variables else len(rows))
    assert calibration["excluded_rows"] == len(rows) - body["rows"]
    frame_counts = Counter(
        tuple(u["agency.code"] if v == "agency" else u["field"] for v in variables) for u in frame.values()
    )
    for target in calibration["targets"]:
        key = tuple(target["cell"][v] for v in variables)
        assert target["population"] == frame_counts[key]
        assert target["factor"] == pytest.approx(frame_counts[key] / target["respondents"], rel=1e-12)
    assert sum(t["respondents"] for t in calibration["targets"]) == body["rows"]
    # explicit, never silent: without the option the series is unweighted and says so
    assert plain["calibration"] is None and plain["design"]["weights"] == "none (unweighted)"
    before = {(i["index"], tuple(sorted(i["domain"].items()))): i for i in plain["indices"]}
    changed = [
        i
        for i in body["indices"]
        if i["se"] != pytest.approx(before[(i["index"], tuple(sorted(i["domain"].items())))]["se"], rel=1e-6)
    ]
    if by == ("agency",):
        # post-strata = domains: a ratio's linearised values already sum to 0 in each post-stratum, so
        # post-stratifying by agency leaves agency estimates and their SEs unchanged (as in R)
        assert not changed
    else:
        assert changed  # the calibration changes the numbers (at least the standard errors)


async def test_bad_domain_and_calibration_parameters_are_422_problems(world: World) -> None:
    await wave_with_frame(world, responses=40, frame=False)
    for query, field in (
        ("by=planet", "by"),
        ("by=frame:shoe_size", "by"),
        ("by=item:NOPE", "by"),
        ("by=item:C1_1", "by"),  # a criterion is not a domain
        ("by=agency&by=agency", "by"),
        ("calibrate=magic", "calibrate"),
        ("calibrate=frame-agency&series=probability", "calibrate"),
    ):
        response = await get_estimates(world, query, role="admin")
        assert response.status_code == 422, (query, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["type"] == "urn:sipas:problem:validation" and problem["status"] == 422
        assert any(e["field"] == field for e in problem["errors"]), (query, problem)
    no_frame = await get_estimates(world, "calibrate=frame-agency", role="admin")
    assert no_frame.status_code == 409 and "frame" in no_frame.json()["detail"]
    # no dossier at all: every response is in the unknown field
    fields = (await get_estimates(world, "by=field", role="admin")).json()
    assert {i["domain"]["field"] for i in fields["indices"]} == {UNKNOWN}


async def test_openapi_documents_domains_and_calibration(world: World) -> None:
    doc = (await world.client.get("/schema/openapi.json")).json()
    parameters = {p["name"]: p for p in doc["paths"]["/api/v1/waves/{code}/estimates"]["get"]["parameters"]}
    for word in ("`field`", "`frame:<column>`", "`item:<CODE>`", "`unknown`", "422"):
        assert word in parameters["by"]["description"]
    assert parameters["calibrate"]["schema"]["enum"] == ["none", "frame-agency", "frame-agency-field"]
    assert parameters["calibrate"]["schema"]["default"] == "none"
