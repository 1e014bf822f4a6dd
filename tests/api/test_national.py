"""The national roll-up from the database (both engines): API, CLI, PDF, gating and bad input.

Two provinces each run a wave of sipas-2017 (self-selected responses); a third province has none. The
national index must equal ``sampling`` run directly on the stacked rows (strata = province, PSU =
province × service point × day), and each province's index the wave's own estimate.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from sampling import Design, estimate_indices
from survey_engine.answer_codes import criteria_layout
from survey_engine.questionnaire import get_template
from survey_engine.simulate import simulate_answers
from survey_engine.tables import Agency, Province, ServicePoint, StaffUser, Submission, Wave
from tests.api.conftest import PASSWORD, World
from tests.api.test_cli_server import cli_env, sipas  # noqa: F401  (fixture)

PROVINCES = (("P1", "Hà Nội", "Ha Noi"), ("P2", "Huế", "Hue"), ("P3", "Cần Thơ", "Can Tho"))


async def _national_world(world: World, responses: int = 48) -> None:
    admin = world.auth("admin")
    # The world's statistician works in its province; the roll-up is read by a national one.
    await StaffUser.update({StaffUser.province: None}).where(StaffUser.email == "statistician@example.org")
    for code, vi, en in PROVINCES:
        await Province.insert(Province(code=code, name_vi=vi, name_en=en, created_at=datetime.now(UTC)))
    assert (
        await world.client.post("/api/v1/questionnaires", json={"template": "sipas-2017"}, headers=admin)
    ).status_code == 201
    assert (
        await world.client.post("/api/v1/questionnaires/sipas-2017/publish", headers=admin)
    ).status_code == 200
    q = get_template("sipas-2017")
    rng = random.Random(7)
    for wave, agency, province, mood in (("N1", "A1", "P1", 0.9), ("N2", "A2", "P2", 0.6)):
        province_id = (await Province.select(Province.id).where(Province.code == province).first())["id"]
        await Agency.update({Agency.province: province_id}).where(Agency.code == agency)
        body = {
            "province": province,
            "code": wave,
            "name_vi": f"Đợt {wave}",
            "name_en": f"Wave {wave}",
            "questionnaire": "sipas-2017",
            "questionnaire_version": 1,
            "period_start": "2026-01-01",
            "period_end": "2026-06-30",
            "channels": ["online"],
            "agencies": [agency],
            "service_points": [f"{agency}-Q1"],
        }
        assert (await world.client.post("/api/v1/waves", json=body, headers=admin)).status_code == 201
        opened = await world.client.post(
            f"/api/v1/waves/{wave}/status", json={"status": "open"}, headers=admin
        )
        assert opened.status_code == 200
        token = (
            await ServicePoint.select(ServicePoint.public_token)
            .where(ServicePoint.code == f"{agency}-Q1")
            .first()
        )["public_token"]

        async def post(i: int, token: str = token, mood: float = mood) -> None:
            day = 1 + i % 12  # twelve service-point-days: the clusters
            answers = simulate_answers(q, rng, mood)
            sent = {
                "id": str(uuid.uuid4()),
                "token": token,
                "answers": answers,
                "channel": "online",
                "started_at": f"2026-03-{day:02d}T09:00:00+00:00",
                "submitted_at": f"2026-03-{day:02d}T09:05:00+00:00",
            }
            response = await world.client.post("/api/v1/submissions", json=sent)
            assert response.status_code == 201, response.text

        await asyncio.gather(*(post(i) for i in range(responses)))
        await Wave.update({Wave.status: "closed"}).where(Wave.code == wave)


async def _direct() -> dict[str, tuple[float, float]]:
    """The overall index (SIPAS) of the stacked rows, national and per province, straight from sampling."""
    rows = await Submission.select(
        Submission.wave.province.code, Submission.service_point, Submission.submitted_at, Submission.answers
    ).output(load_json=True)
    layout = criteria_layout(get_template("sipas-2017"))
    criteria = {
        c: np.array([float(r["answers"].get(c)) if r["answers"].get(c) is not None else np.nan for r in rows])
        for c in layout.codes
    }
    province = np.array([r["wave.province.code"] for r in rows])
    psu = np.array(
        [f"{p}:{r['service_point']}:{r['submitted_at'].date()}" for p, r in zip(province, rows, strict=True)]
    )
    design = Design(weights=np.ones(len(rows)), strata=province, psu=psu, lonely_psu="adjust")
    groups = {code: list(members) for code, members in layout.elements}
    out: dict[str, tuple[float, float]] = {}
    for by in (None, {"province": province}):
        result = estimate_indices(design, criteria, groups, by=by, dont_know=(0,))
        for e in result.groups.estimates:
            if e.variable == "SIPAS":
                out[e.domain.get("province", "national")] = (e.estimate, e.se)
    return out


async def test_national_roll_up_equals_sampling_on_the_stacked_rows(world: World) -> None:
    await _national_world(world)
    response = await world.client.get("/api/v1/national?year=2026", headers=world.auth("statistician"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["round"]["definition"] == "year" and body["round"]["waves"] == ["N1", "N2"]
    # P3 and the world's own province have no wave in 2026
    assert [m["province"] for m in body["round"]["missing"]] == ["P3", "default"]
    assert body["series"] == "self-selected" and body["design"]["inference"] == "descriptive"
    assert body["design"]["weighting"] == "responses" and body["rows"] == 96
    assert body["design"]["strata"] == 2 and body["design"]["psus"] == 24
    direct = await _direct()
    overall = next(e for e in body["national"] if e["variable"] == "SIPAS")
    assert overall["estimate"] == pytest.approx(direct["national"][0], rel=1e-9)
    assert overall["se"] == pytest.approx(direct["national"][1], rel=1e-9)
    assert overall["df"] == 24 - 2
    by_code = {p["province"]: p for p in body["provinces"]}
    for code in ("P1", "P2"):
        assert by_code[code]["overall"]["estimate"] == pytest.approx(direct[code][0], rel=1e-9)
        assert by_code[code]["overall"]["se"] == pytest.approx(direct[code][1], rel=1e-9)
    # Each province's index is its wave's own estimate.
    own = (await world.client.get("/api/v1/waves/N1/estimates", headers=world.auth("admin"))).json()
    n1 = next(i for i in own["indices"] if i["kind"] == "overall")
    assert by_code["P1"]["overall"]["estimate"] == pytest.approx(n1["estimate"], rel=1e-12)
    # Ranks: two provinces; the happier one first, its range honest about the test.
    assert [p["province"] for p in body["provinces"]] == ["P1", "P2"]
    p1, p2 = by_code["P1"]["rank"], by_code["P2"]["rank"]
    assert p1["position"] == 1 and p2["position"] == 2
    assert (p1["best"], p1["worst"]) in ((1, 1), (1, 2))
    assert p1["distinct"] == (p1["worst"] == 1) and (p1["peers"] == []) == p1["distinct"]
    # The same round named by its waves; CSV.
    named = await world.client.get("/api/v1/national?waves=N1&waves=N2", headers=world.auth("admin"))
    assert named.json()["national"] == body["national"] and named.json()["round"]["missing"] == []
    csv = await world.client.get("/api/v1/national?year=2026&format=csv", headers=world.auth("admin"))
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert (
        lines[0].startswith("province,name_vi")
        and lines[1].startswith("P1,")
        and lines[-1].startswith("national,")
    )


async def test_series_cells_without_channel_counts_reads_the_same_cells(world: World) -> None:
    from survey_engine.results.analysis import series_cells
    from survey_engine.results.series_cells import clear_series_cells
    from survey_engine.wave_context import wave_columns, wave_context

    await _national_world(world)
    context = wave_context(
        (await Wave.select(*wave_columns()).where(Wave.code == "N1").output(load_json=True))[0]
    )
    clear_series_cells()
    bare = await series_cells(context, ("channel",), "self-selected", with_channels=False)
    full = await series_cells(context, ("channel",), "self-selected")
    assert bare.channels == () and full.channels != ()
    assert bare.cells is not None and full.cells is not None and bare.rows == full.rows == 48
    assert np.array_equal(bare.cells.top, full.cells.top) and np.array_equal(bare.cells.psu, full.cells.psu)


async def test_national_is_for_national_accounts_and_refuses_bad_rounds(world: World) -> None:
    await _national_world(world, responses=24)
    for role in ("agency", "interviewer"):
        assert (
            await world.client.get("/api/v1/national?year=2026", headers=world.auth(role))
        ).status_code == 403
    assert (await world.client.get("/api/v1/national?year=2026")).status_code == 401
    # A province's statistician is not a national account.
    province_id = (await Province.select(Province.id).where(Province.code == "P1").first())["id"]
    await StaffUser.update({StaffUser.province: province_id}).where(
        StaffUser.email == "statistician@example.org"
    )
    login = await world.client.post(
        "/api/v1/auth/login", json={"email": "statistician@example.org", "password": PASSWORD}
    )
    world.client.cookies.clear()
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    refused = await world.client.get("/api/v1/national?year=2026", headers=headers)
    assert refused.status_code == 403 and refused.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert (
        await world.client.get("/api/v1/national/summary.pdf?year=2026", headers=headers)
    ).status_code == 403
    admin = world.auth("admin")
    for query, field in (
        ("", "waves"),
        ("?year=2026&waves=N1", "waves"),
        ("?waves=N1&waves=NOPE", "waves"),
        ("?year=2019", "year"),
        ("?year=2026&questionnaire=other", "year"),
    ):
        response = await world.client.get(f"/api/v1/national{query}", headers=admin)
        assert response.status_code == 422, (query, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in response.text
    # Two waves of one province are not a round.
    await Wave.update({Wave.province: province_id}).where(Wave.code == "N2")
    twice = await world.client.get("/api/v1/national?waves=N1&waves=N2", headers=admin)
    assert twice.status_code == 422 and "one wave per province" in twice.text
    assert (await world.client.get("/api/v1/national?year=2026&level=2", headers=admin)).status_code == 400


pdftotext_missing = shutil.which("pdftotext") is None


@pytest.mark.skipif(pdftotext_missing, reason="poppler-utils is not installed")
async def test_national_summary_pdf_in_both_languages(world: World, tmp_path: Path) -> None:
    await _national_world(world, responses=24)
    texts = {}
    for lang in ("vi", "en"):
        response = await world.client.get(
            f"/api/v1/national/summary.pdf?year=2026&lang={lang}", headers=world.auth("admin")
        )
        assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
        assert f"national-summary-2026-{lang}.pdf" in response.headers["content-disposition"]
        path = tmp_path / f"n-{lang}.pdf"
        path.write_bytes(response.content)
        texts[lang] = subprocess.run(
            ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
    assert "Chỉ số SIPAS toàn quốc và các tỉnh" in texts["vi"] and "Hà Nội" in texts["vi"]
    assert "không phải mẫu xác suất" in texts["vi"] and "Cần Thơ" in texts["vi"]
    assert "National and provincial SIPAS index" in texts["en"] and "Ha Noi" in texts["en"]
    assert "Descriptive only" in texts["en"] and "Bonferroni" in texts["en"] and "Can Tho" in texts["en"]


async def test_national_cli(world: World, database_url: str, cli_env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    await _national_world(world, responses=24)
    cli_env["DATABASE_URL"] = database_url
    out = sipas(["national", "--year", "2026", "--format", "json"], cli_env)
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    api = (await world.client.get("/api/v1/national?year=2026", headers=world.auth("admin"))).json()
    assert body["national"] == api["national"] and body["provinces"] == api["provinces"]
    text = sipas(["national", "--waves", "N1", "N2", "--lang", "en"], cli_env)
    assert (
        text.returncode == 0 and "National index: Waves N1, N2" in text.stdout and "P1 Ha Noi" in text.stdout
    )
    pdf = tmp_path / "national.pdf"
    written = sipas(["national", "--year", "2026", "--pdf", str(pdf), "--lang", "en"], cli_env)
    assert written.returncode == 0 and pdf.read_bytes().startswith(b"%PDF")
    bad = sipas(["national", "--year", "2019"], cli_env)
    assert (
        bad.returncode == 2 and bad.stderr.count("\n") == 1 and "no province has a closed wave" in bad.stderr
    )
    assert sipas(["national", "--year", "2026", "--pdf", str(tmp_path / "x.txt")], cli_env).returncode == 2


async def test_a_repeated_roll_up_reads_each_provinces_kept_totals_until_a_response_arrives(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from survey_engine.national import rollup
    from survey_engine.results import series_cells

    await _national_world(world)
    series_cells.clear_series_cells()
    url = "/api/v1/national?waves=N1&waves=N2"
    first = (await world.client.get(url, headers=world.auth("admin"))).json()
    assert series_cells.kept_derived_values() == 2  # one province's totals per wave
    reader = rollup.series_cells

    async def unread(*args: object, **kwargs: object) -> object:
        raise AssertionError("the kept totals serve the roll-up: no wave's cells are read")

    monkeypatch.setattr(rollup, "series_cells", unread)
    again = (await world.client.get(url, headers=world.auth("admin"))).json()
    assert series_cells.kept_derived_values() == 2
    monkeypatch.setattr(rollup, "series_cells", reader)
    assert again["national"] == first["national"] and again["provinces"] == first["provinces"]
    # A new response (written by any process) changes the wave's data version: its totals are read afresh.
    await Wave.update({Wave.status: "open"}).where(Wave.code == "N1")
    token = (
        await ServicePoint.select(ServicePoint.public_token).where(ServicePoint.code == "A1-Q1").first()
    )["public_token"]
    sent = {
        "id": str(uuid.uuid4()),
        "token": token,
        "answers": simulate_answers(get_template("sipas-2017"), random.Random(3), 0.1),
        "channel": "online",
        "started_at": "2026-03-20T09:00:00+00:00",
        "submitted_at": "2026-03-20T09:05:00+00:00",
    }
    assert (await world.client.post("/api/v1/submissions", json=sent)).status_code == 201
    fresh = (await world.client.get(url, headers=world.auth("admin"))).json()
    assert fresh["rows"] == first["rows"] + 1 and fresh["design"]["psus"] == first["design"]["psus"] + 1
    assert fresh["national"] != first["national"] and series_cells.kept_derived_values() == 3
    direct = await _direct()
    overall = next(e for e in fresh["national"] if e["variable"] == "SIPAS")
    assert overall["estimate"] == pytest.approx(direct["national"][0], rel=1e-9)
    assert overall["se"] == pytest.approx(direct["national"][1], rel=1e-9)
