"""Frames, plans, draws, letters, fieldwork progress and weights over HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pytest
from openpyxl import Workbook
from pypdf import PdfReader

from survey_engine.collection.receipts import dossier_hash, sign_receipt
from survey_engine.fieldwork.sample_units import weights_for_wave
from survey_engine.tables import Contact, Frame, FrameUnit, Sample, SampleUnit, Wave, WeightRun
from tests.api.conftest import World, create_open_wave

SECRET = "test-secret-key-that-is-long-enough-0123456789"
FIELDS = ("Hộ tịch", "Đất đai")
CSV = {"Content-Type": "text/csv"}


def frame_csv(per_cell: int = 20, agencies: tuple[str, ...] = ("A1", "A2"), prefix: str = "H") -> str:
    lines = ["dossier_code,agency,field,completed_on,phone,sex"]
    k = 0
    for agency in agencies:
        for f, field in enumerate(FIELDS):
            for i in range(per_cell * (f + 1)):  # fields of unequal size
                k += 1
                phone = f"09{k:08d}" if k % 2 else ""
                day = f"{(k % 28) + 1:02d}/03/2026" if k % 3 else f"2026-04-{(k % 28) + 1:02d}"
                lines.append(
                    f"{prefix}-{agency}-{f}-{i:04d},{agency},{field},{day},{phone},{'nu' if k % 2 else 'nam'}"
                )
    return "\n".join(lines) + "\n"


async def post_frame(
    world: World, body: str | bytes, wave: str = "W1", headers: dict[str, str] | None = None
) -> Any:
    data = body.encode() if isinstance(body, str) else body
    return await world.client.post(
        f"/api/v1/waves/{wave}/frame", content=data, headers={**world.auth("admin"), **(headers or CSV)}
    )


async def counts() -> tuple[int, int]:
    return await Frame.count(), await FrameUnit.count()


@pytest.fixture
async def framed(world: World) -> World:
    await create_open_wave(world)
    response = await post_frame(world, frame_csv())
    assert response.status_code == 201, response.text
    return world


async def test_import_stores_hashes_not_codes(world: World) -> None:
    await create_open_wave(world)
    response = await post_frame(world, "\ufeff" + frame_csv())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["rows"] == 120 and body["agencies"] == {"A1": 60, "A2": 60} and body["with_phone"] == 60
    rows = await FrameUnit.select(FrameUnit.dossier_hash, FrameUnit.phone, FrameUnit.demographics).output(
        load_json=True
    )
    assert rows[0]["dossier_hash"] == dossier_hash(SECRET, "H-A1-0-0000")
    assert rows[0]["phone"] == "+84900000001" and rows[0]["demographics"] == {"sex": "nu"}
    summary = (await world.client.get("/api/v1/waves/W1/frame", headers=world.auth("agency"))).json()
    assert summary["units"] == 60 and summary["frames"] == []
    assert "H-A1" not in str(summary) and "+84" not in str(summary)


async def test_xlsx_import_with_date_cells_and_numeric_phones(world: World) -> None:
    from datetime import datetime

    await create_open_wave(world)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Dossier_Code", "agency", "field", "completed_on", "phone"])
    sheet.append(["X-1", "A1", "Hộ tịch", datetime(2026, 3, 1), 912345678])
    sheet.append(["X-2", "A2", "Đất đai", "31/03/2026", None])
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx = {"Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    response = await post_frame(world, buffer.getvalue(), headers=xlsx)
    assert response.status_code == 201, response.text
    phones = {r["phone"] for r in await FrameUnit.select(FrameUnit.phone)}
    assert phones == {"+84912345678", None}


async def test_a_rejected_import_reports_every_row_and_stores_nothing(world: World) -> None:
    await create_open_wave(world, agencies=("A1",))
    good = await post_frame(world, "dossier_code,agency,field,completed_on\nOLD-1,A1,Hộ tịch,2026-01-02\n")
    assert good.status_code == 201
    before = await counts()
    text = (
        "dossier_code,agency,field,completed_on,phone\n"
        "D-1,A1,Hộ tịch,2026-03-01,0912345678\n"  # fine
        "D-1,A1,Hộ tịch,2026-03-01,\n"  # duplicate in the file
        "OLD-1,A1,Hộ tịch,2026-03-01,\n"  # already in the wave's frame
        "D-3,A2,Hộ tịch,2026-03-01,\n"  # agency outside the wave
        "D-4,ZZ,Hộ tịch,2026-03-01,\n"  # unknown agency
        "D-5,A1,Hộ tịch,31/02/2026,\n"  # bad date
        "D-6,A1,Hộ tịch,2027-01-01,\n"  # future
        "D-7,A1,Hộ tịch,2026-03-01,12345\n"  # bad phone
        "D-8,A1,,2026-03-01,\n"  # no field
    )
    response = await post_frame(world, text)
    assert response.status_code == 422
    problem = response.json()
    fields = [(e["field"], e["code"]) for e in problem["errors"]]
    assert fields == [
        ("rows[1].dossier_code", "duplicate"),
        ("rows[2].dossier_code", "duplicate"),
        ("rows[3].agency", "unknown"),
        ("rows[4].agency", "unknown"),
        ("rows[5].completed_on", "invalid"),
        ("rows[6].completed_on", "invalid"),
        ("rows[7].phone", "invalid"),
        ("rows[8].field", "required"),
    ]
    assert "is not in this wave" in problem["errors"][2]["message"]
    assert "12345" not in response.text and "D-1" not in response.text
    assert await counts() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("dossier_code,agency,field,completed_on\nD-1,A1,Đâu,2026-03-01\n".encode("cp1258"), "file"),
        ("dossier_code,agency,field,completed_on\n".encode("utf-16"), "file"),
        (b"dossier_code,agency,completed_on\nD-1,A1,2026-03-01\n", "header"),
        (b"dossier_code,agency,field,completed_on,colour\nD-1,A1,x,2026-03-01,red\n", "header"),
        (b"dossier_code,agency,field,completed_on\n", "rows"),
    ],
)
async def test_bad_files_are_rejected_whole(world: World, body: bytes, field: str) -> None:
    await create_open_wave(world)
    response = await post_frame(world, body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert await counts() == (0, 0)


async def test_import_roles_and_media_type(framed: World) -> None:
    for role, status in ((None, 401), ("agency", 403), ("interviewer", 403)):
        response = await framed.client.post(
            "/api/v1/waves/W1/frame", content=b"x", headers={**framed.auth(role), **CSV}
        )
        assert response.status_code == status
    json_body = await framed.client.post("/api/v1/waves/W1/frame", json={}, headers=framed.auth("admin"))
    assert json_body.status_code == 415
    too_big = await post_frame(framed, b"a" * (1024 * 1024 + 10))
    assert too_big.status_code == 413


async def test_plan_shows_margins_and_stores_nothing_unless_saved(framed: World) -> None:
    admin = framed.auth("admin")
    body = {"strata": ["agency", "field"], "n": 40, "allocation": "proportional", "response_rate": 0.5}
    response = await framed.client.post("/api/v1/waves/W1/plan", json=body, headers=admin)
    assert response.status_code == 200, response.text
    plan = response.json()
    assert plan["n"] == 40 and plan["expected_completes"] == 20
    assert [s["n"] for s in plan["strata"]] == [7, 13, 7, 13]  # 20 and 40 units per field, twice
    a1 = plan["agencies"][0]
    assert a1["agency"] == "A1" and a1["population"] == 60 and 0.25 < a1["expected_margin"] < 0.4
    assert await Sample.count() == 0
    wave = await Wave.select(Wave.settings).output(load_json=True).first()
    assert "sampling_plan" not in wave["settings"]
    margin = {"strata": ["agency"], "margin": 0.1, "deff": 1.0, "save": True}
    saved = (await framed.client.post("/api/v1/waves/W1/plan", json=margin, headers=admin)).json()
    assert saved["saved"] is True
    for agency in saved["agencies"]:
        assert agency["expected_margin"] <= 0.1 + 1e-9
    wave = await Wave.select(Wave.settings).output(load_json=True).first()
    assert wave["settings"]["sampling_plan"]["margin"] == 0.1
    bad = await framed.client.post("/api/v1/waves/W1/plan", json={"n": 10, "margin": 0.1}, headers=admin)
    assert bad.status_code == 422
    too_many = await framed.client.post("/api/v1/waves/W1/plan", json={"n": 1000}, headers=admin)
    assert too_many.status_code == 422


async def _hashes(wave: str) -> list[str]:
    rows = await SampleUnit.select(SampleUnit.dossier_hash).where(SampleUnit.wave.code == wave)
    return sorted(r["dossier_hash"] for r in rows)


async def test_draw_is_reproducible_and_creates_contacts(framed: World) -> None:
    admin = framed.auth("admin")
    await create_open_wave(framed, code="W2")
    await create_open_wave(framed, code="W3")
    for wave in ("W2", "W3"):  # the same frame in another order
        lines = frame_csv().splitlines()
        assert (
            await post_frame(framed, "\n".join([lines[0], *reversed(lines[1:])]), wave=wave)
        ).status_code == 201
    body = {"strata": ["agency", "field"], "n": 30, "seed": 20261122}
    first = await framed.client.post("/api/v1/waves/W1/draw", json=body, headers=admin)
    assert first.status_code == 201, first.text
    assert first.json()["n"] == 30
    assert (await framed.client.post("/api/v1/waves/W2/draw", json=body, headers=admin)).status_code == 201
    other = await framed.client.post("/api/v1/waves/W3/draw", json={**body, "seed": 7}, headers=admin)
    assert other.status_code == 201
    assert await _hashes("W1") == await _hashes("W2") != await _hashes("W3")
    again = await framed.client.post("/api/v1/waves/W1/draw", json=body, headers=admin)
    assert again.status_code == 409
    units = await SampleUnit.select().where(SampleUnit.wave.code == "W1")
    assert all(abs(u["base_weight"] * u["inclusion_probability"] - 1) < 1e-12 for u in units)
    assert sum(u["base_weight"] for u in units) == pytest.approx(120)
    with_phone = [u for u in units if u["contact_code"]]
    contacts = await Contact.select(Contact.code, Contact.status, Contact.phone, Contact.dossier_hash).where(
        Contact.wave.code == "W1"
    )
    assert len(contacts) == len(with_phone) > 0
    assert {c["status"] for c in contacts} == {"pending"} and all(
        c["phone"].startswith("+84") for c in contacts
    )
    frame_after = await FrameUnit.select(FrameUnit.stratum).where(FrameUnit.wave.code == "W1")
    assert {r["stratum"] for r in frame_after} == {f"{a}|{f}" for a in ("A1", "A2") for f in FIELDS}
    locked = await post_frame(framed, "dossier_code,agency,field,completed_on\nNEW-1,A1,x,2026-01-01\n")
    assert locked.status_code == 409
    sample = (await framed.client.get("/api/v1/waves/W1/sample", headers=framed.auth("agency"))).json()
    assert sample["seed"] is None and {s["agency"] for s in sample["strata"]} == {"A1"}


async def test_draw_uses_the_saved_plan(framed: World) -> None:
    admin = framed.auth("admin")
    missing = await framed.client.post("/api/v1/waves/W1/draw", json={"seed": 1}, headers=admin)
    assert missing.status_code == 422
    plan = {"n": 10, "allocation": "equal", "save": True}
    assert (await framed.client.post("/api/v1/waves/W1/plan", json=plan, headers=admin)).status_code == 200
    drawn = await framed.client.post("/api/v1/waves/W1/draw", json={"seed": 1}, headers=admin)
    assert drawn.status_code == 201, drawn.text
    assert [s["n"] for s in drawn.json()["plan"]["strata"]] == [5, 5]


async def submit_dossier(world: World, dossier_code: str) -> None:
    token = (await world.client.get("/api/v1/service-points/A1-Q1", headers=world.auth("admin"))).json()[
        "token"
    ]
    body = {
        "id": str(uuid.uuid4()),
        "token": token,
        "answers": {"RATING": 3},
        "channel": "online",
        "language": "vi",
        "receipt": sign_receipt(SECRET, dossier_code, "A1-Q1"),  # the respondent's invitation letter
    }
    response = await world.client.post("/api/v1/submissions", json=body)
    assert response.status_code == 201, response.text


async def _drawn(world: World) -> list[str]:
    """Draw 12 per agency (strata = agency) and return the A1 dossier codes drawn."""
    body = {"strata": ["agency"], "n": 24, "seed": 5, "allocation": "equal", "response_rate": 0.5}
    assert (
        await world.client.post("/api/v1/waves/W1/draw", json=body, headers=world.auth("admin"))
    ).status_code == 201
    drawn = set(await _hashes("W1"))
    codes = [f"H-A1-{f}-{i:04d}" for f in range(2) for i in range(60)]
    return [c for c in codes if dossier_hash(SECRET, c) in drawn]


async def test_fieldwork_statuses_and_response_rates(framed: World) -> None:
    a1_codes = await _drawn(framed)
    assert len(a1_codes) == 12
    for code in a1_codes[:3]:
        await submit_dossier(framed, code)
    contacts = await Contact.select(Contact.code, Contact.dossier_hash).where(Contact.wave.code == "W1")
    a1_hashes = {dossier_hash(SECRET, c) for c in a1_codes[3:]}
    mine = [c for c in contacts if c["dossier_hash"] in a1_hashes]
    statuses = ["refusal", "ineligible", "non_contact", "callback"]
    for contact, status in zip(mine, statuses, strict=False):
        await Contact.update({Contact.status: status}).where(Contact.code == contact["code"])
    used = min(len(mine), len(statuses))
    response = await framed.client.get("/api/v1/waves/W1/fieldwork", headers=framed.auth("statistician"))
    assert response.status_code == 200, response.text
    report = response.json()
    a1 = next(a for a in report["agencies"] if a["agency"] == "A1")
    c = a1["counts"]
    assert c["complete"] == 3 and a1["sampled"] == 12
    assert c["ineligible"] == (1 if used >= 2 else 0)
    unknown = 12 - 3 - sum(c[k] for k in ("refusal", "non_contact", "ineligible", "partial", "other"))
    assert c["unknown"] == unknown
    assert a1["rr1"] == pytest.approx(3 / (12 - c["ineligible"]))
    e = report["e"]
    known = report["overall"]["counts"]
    resolved = sum(known[k] for k in ("complete", "partial", "refusal", "non_contact", "other"))
    assert e == pytest.approx(resolved / (resolved + known["ineligible"]))
    base3 = 3 + c["refusal"] + c["non_contact"] + e * unknown
    assert a1["rr3"] == pytest.approx(3 / base3)
    assert a1["target_completes"] == 6 and a1["progress"] == pytest.approx(0.5)
    mine_only = (await framed.client.get("/api/v1/waves/W1/fieldwork", headers=framed.auth("agency"))).json()
    assert [a["agency"] for a in mine_only["agencies"]] == ["A1"] and mine_only["overall"]["sampled"] == 12
    given = (await framed.client.get("/api/v1/waves/W1/fieldwork?e=0", headers=framed.auth("admin"))).json()
    assert given["e"] == 0 and given["e_method"] == "given"


async def test_weights_are_stored_and_returned_by_dossier_hash(framed: World) -> None:
    a1_codes = await _drawn(framed)
    a2_codes = [f"H-A2-{f}-{i:04d}" for f in range(2) for i in range(60)]
    drawn = set(await _hashes("W1"))
    a2_drawn = [c for c in a2_codes if dossier_hash(SECRET, c) in drawn]
    for code in a1_codes[:4] + a2_drawn[:6]:
        await submit_dossier(framed, code)
    admin = framed.auth("admin")
    response = await framed.client.post("/api/v1/waves/W1/weights", json={}, headers=admin)
    assert response.status_code == 200, response.text
    diagnostics = response.json()["diagnostics"]
    assert diagnostics["respondents"] == 10
    assert diagnostics["summary"]["total"] == pytest.approx(120)
    assert diagnostics["summary"]["weighting_effect"] >= 1
    wave_id = (await Wave.select(Wave.id).where(Wave.code == "W1").first())["id"]
    weights = await weights_for_wave(wave_id)
    assert len(weights) == 10
    row = weights[dossier_hash(SECRET, a1_codes[0])]
    assert row.stratum == "A1" and row.fpc == 60 and row.final_weight == pytest.approx(60 / 4)
    assert row.base_weight == pytest.approx(5) and row.nonresponse_class == "A1"
    assert weights[dossier_hash(SECRET, a2_drawn[0])].final_weight == pytest.approx(10)
    raked = await framed.client.post(
        "/api/v1/waves/W1/weights",
        json={"calibration": "rake", "calibration_variables": ["agency", "sex"], "trim_ratio": 3},
        headers=admin,
    )
    assert raked.status_code == 200, raked.text
    cal = raked.json()["diagnostics"]["calibration"]
    assert cal["converged"] is True and cal["max_margin_error"] < 1e-6
    latest = (await framed.client.get("/api/v1/waves/W1/weights", headers=admin)).json()
    assert latest["options"]["calibration"] == "rake" and await WeightRun.count() == 2
    units = (await framed.client.get("/api/v1/waves/W1/weights/units?limit=100", headers=admin)).json()
    assert units["total"] == 24 and sum(u["final_weight"] for u in units["items"]) == pytest.approx(120)
    assert "dossier_hash" not in units["items"][0]
    assert (
        await framed.client.get("/api/v1/waves/W1/weights", headers=framed.auth("agency"))
    ).status_code == 403


async def test_weights_need_respondents(framed: World) -> None:
    await _drawn(framed)
    response = await framed.client.post("/api/v1/waves/W1/weights", json={}, headers=framed.auth("admin"))
    assert response.status_code == 422 and await WeightRun.count() == 0


async def test_letters_are_one_page_per_sampled_dossier_with_a_receipt(framed: World) -> None:
    await _drawn(framed)
    response = await framed.client.post(
        "/api/v1/waves/W1/letters", content=frame_csv().encode(), headers={**framed.auth("admin"), **CSV}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-sipas-letters"] == "24" and response.headers["x-sipas-missing"] == "0"
    assert response.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 24
    text = reader.pages[0].extract_text()
    assert "THƯ MỜI" in text and "?r=1." in text.replace("\n", "")


async def test_closing_hook_purges_frame_phones_and_weights(framed: World) -> None:
    from survey_engine.actors import SYSTEM
    from survey_engine.fieldwork.samples import on_wave_closed

    a1_codes = await _drawn(framed)
    a2_drawn = [
        c
        for c in (f"H-A2-{f}-{i:04d}" for f in range(2) for i in range(60))
        if dossier_hash(SECRET, c) in set(await _hashes("W1"))
    ]
    for code in a1_codes[:2] + a2_drawn[:2]:
        await submit_dossier(framed, code)
    wave_id = (await Wave.select(Wave.id).where(Wave.code == "W1").first())["id"]
    result = await on_wave_closed(SYSTEM, wave_id)
    assert result.frame_phones_purged == 60
    assert await FrameUnit.count().where(FrameUnit.phone.is_not_null()) == 0
    assert result.weights is not None
    assert result.weights.trigger == "close" and len(await weights_for_wave(wave_id)) == 4


async def test_plan_and_draw_refusals_keep_their_problem_details(world: World) -> None:
    """The plan's mathematics lives in sampling.sample_plan; its refusals reach clients as before."""
    admin = world.auth("admin")
    await create_open_wave(world)
    for path, body in (("plan", {"n": 10}), ("draw", {"n": 10, "seed": 1})):
        empty = await world.client.post(f"/api/v1/waves/W1/{path}", json=body, headers=admin)
        assert empty.status_code == 409, empty.text
        assert empty.json()["type"] == "urn:sipas:problem:conflict"
        assert empty.json()["detail"] == "the wave has no frame yet: import one first"
    assert (await post_frame(world, frame_csv())).status_code == 201

    async def problem(body: dict[str, Any]) -> tuple[str, list[dict[str, str]]]:
        response = await world.client.post("/api/v1/waves/W1/plan", json=body, headers=admin)
        assert response.status_code == 422, response.text
        assert response.json()["type"] == "urn:sipas:problem:validation"
        return response.json()["detail"], response.json()["errors"]

    assert await problem({"n": 10, "margin": 0.1}) == (
        "the sample plan is not valid",
        [
            {
                "field": "n",
                "message": "give either n (total to draw) or margin (per agency)",
                "code": "required",
            }
        ],
    )
    assert await problem({"n": 10, "min_per_stratum": 5, "max_per_stratum": 3}) == (
        "the sample plan is not valid",
        [{"field": "max_per_stratum", "message": "is below min_per_stratum", "code": "invalid"}],
    )
    assert await problem({"n": 10, "allocation": "neyman", "sd": {"ZZ": 1.0}}) == (
        "the sample plan is not valid",
        [{"field": "sd", "message": "unknown stratum 'ZZ'", "code": "invalid"}],
    )
    assert await problem({"n": 1000}) == (
        "the sample plan cannot be allocated",
        [{"field": "n", "message": "n = 1000 exceeds what the strata can supply (120)", "code": "invalid"}],
    )


async def test_progress_refuses_an_eligible_share_outside_0_1(framed: World) -> None:
    """The API checks e; the service now does too (AAPOR's e is a proportion), naming the parameter."""
    from survey_engine.actors import SYSTEM
    from survey_engine.errors import InvalidInput
    from survey_engine.fieldwork.samples import FieldworkService

    await _drawn(framed)
    with pytest.raises(InvalidInput) as exc:
        await FieldworkService().progress(SYSTEM, "W1", e=1.5)
    assert exc.value.detail == "the response rates cannot be computed"
    assert [(p.field, p.message) for p in exc.value.problems] == [("e", "e must be in [0, 1], got 1.5")]
    assert (await FieldworkService().progress(SYSTEM, "W1", e=1.0)).e == 1.0


async def test_the_scorecard_reads_the_response_rates_of_fieldwork(framed: World) -> None:
    """The scorecard data's AAPOR RR3 per agency is fieldwork's, in percent."""
    from survey_engine.results.scorecards import report_data
    from survey_engine.wave_context import load_wave

    a1_codes = await _drawn(framed)
    for code in a1_codes[:4]:
        await submit_dossier(framed, code)
    progress = (await framed.client.get("/api/v1/waves/W1/fieldwork", headers=framed.auth("admin"))).json()
    expected = {
        a["agency"]: 100 * a["rr3"] for a in progress["agencies"] if a["rr3"] is not None and a["sampled"]
    }
    assert expected and "A1" in expected
    report = await report_data(await load_wave("W1"))
    assert report.response_rates == pytest.approx(expected)
