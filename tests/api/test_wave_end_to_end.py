"""A wave end to end: frame import → sample → answers through the HTTP API → weights → estimates equal to
`sampling` run directly on the same data → export with weights, design variables and a codebook."""

from __future__ import annotations

import csv
import json
import random
import uuid
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from api.results.cli_export import codebook_path, write_export
from sampling import Design, estimate_indices
from sampling.calibration import poststratify, rake
from survey_engine.collection.receipts import dossier_hash, sign_receipt
from survey_engine.fieldwork.sample_units import weights_for_wave
from survey_engine.tables import FrameUnit, SampleUnit, Submission, Wave
from tests.api.conftest import World, create_open_wave
from tests.api.test_fieldwork import SECRET, frame_csv, post_frame


async def _run_wave(world: World) -> tuple[list[str], list[str]]:
    await create_open_wave(world)
    assert (await post_frame(world, frame_csv())).status_code == 201
    body = {
        "strata": ["agency", "field"],
        "n": 48,
        "seed": 17,
        "allocation": "proportional",
        "response_rate": 0.7,
    }
    drawn = await world.client.post("/api/v1/waves/W1/draw", json=body, headers=world.auth("admin"))
    assert drawn.status_code == 201, drawn.text
    sampled = {r["dossier_hash"] for r in await Wave.raw("SELECT dossier_hash FROM sample_unit")}
    codes = [line.split(",")[0] for line in frame_csv().splitlines()[1:]]
    in_sample = [c for c in codes if dossier_hash(SECRET, c) in sampled]
    tokens = {}
    for point in ("A1-Q1", "A2-Q1"):
        tokens[point[:2]] = (
            await world.client.get(f"/api/v1/service-points/{point}", headers=world.auth("admin"))
        ).json()["token"]
    rng = random.Random(3)
    answered = []
    for code in in_sample:
        if rng.random() < 0.75:  # the others do not respond
            agency = code.split("-")[1]
            body = {
                "id": str(uuid.uuid4()),
                "token": tokens[agency],
                "answers": {"RATING": rng.choice([1, 2, 3, 3])},
                "channel": "online",
                "receipt": sign_receipt(SECRET, code, f"{agency}-Q1"),  # the invitation letter's QR
            }
            response = await world.client.post("/api/v1/submissions", json=body)
            assert response.status_code == 201, response.text
            answered.append(code)
    for _ in range(15):  # self-selected ratings at the counter, no dossier: a separate series
        body = {"id": str(uuid.uuid4()), "token": tokens["A1"], "answers": {"RATING": 3}, "channel": "online"}
        assert (await world.client.post("/api/v1/submissions", json=body)).status_code == 201
    weighted = await world.client.post(
        "/api/v1/waves/W1/weights", json={}, headers=world.auth("statistician")
    )
    assert weighted.status_code in (200, 201), weighted.text
    return in_sample, answered


async def _direct_design(wave_id: int, rows: list[dict], options: dict) -> Design:
    """The design `sampling` gets directly: the weights before calibration (after the nonresponse
    adjustment) calibrated again to the frame's counts as the weighting did, so the variance linearises
    the calibration as R's postStratify/rake do; trimmed or uncalibrated weights are taken as fixed."""
    units = {
        u["dossier_hash"]: u
        for u in await SampleUnit.select(
            SampleUnit.dossier_hash,
            SampleUnit.adjusted_weight,
            SampleUnit.final_weight,
            SampleUnit.stratum,
            SampleUnit.stratum_population,
            SampleUnit.agency.code.as_alias("agency"),
            SampleUnit.frame_unit.field.as_alias("field"),
            SampleUnit.frame_unit.demographics.as_alias("demographics"),
        )
        .where(SampleUnit.wave == wave_id)
        .output(load_json=True)
    }
    u = [units[r["dossier_hash"]] for r in rows]
    method = options.get("calibration", "poststratify")
    fixed = method == "none" or options.get("trim_ratio") is not None
    design = Design(
        weights=np.array([x["final_weight" if fixed else "adjusted_weight"] for x in u]),
        strata=np.array([x["stratum"] for x in u]),
        fpc=np.array([float(x["stratum_population"]) for x in u]),
        lonely_psu="adjust",
    )
    if fixed:
        return design
    frame = (
        await FrameUnit.select(
            FrameUnit.agency.code.as_alias("agency"), FrameUnit.field, FrameUnit.demographics
        )
        .where(FrameUnit.wave == wave_id)
        .output(load_json=True)
    )

    def value(unit: dict, v: str) -> str:
        if v in ("agency", "field"):
            return unit[v]
        demographics = unit["demographics"]
        demographics = json.loads(demographics) if isinstance(demographics, str) else demographics
        return (demographics or {}).get(v) or "(missing)"

    variables = options.get("calibration_variables", ["agency", "field"])  # default: the sampling strata
    cols = {v: np.array([value(x, v) for x in u]) for v in variables}
    if method == "poststratify":
        totals = Counter("|".join(value(f, v) for v in variables) for f in frame)
        design, _ = poststratify(design, cols, {"|".join(variables): dict(totals)}, partial=True)
    else:
        margins = {
            v: {k: float(c) for k, c in Counter(value(f, v) for f in frame).items() if k in set(cols[v])}
            for v in cols
        }
        design, _ = rake(design, cols, margins, max_iter=100, epsilon=1e-9)
    assert design.weights == pytest.approx([x["final_weight"] for x in u], rel=1e-9)  # as stored
    return design


@pytest.mark.parametrize(
    "options",
    [
        {},  # the default: post-stratified to the frame's agency × field counts
        {"calibration": "poststratify", "calibration_variables": ["sex"]},  # across the strata
        {"calibration": "rake", "calibration_variables": ["agency", "sex"]},
        {"calibration": "rake", "calibration_variables": ["agency", "field"]},
        {"calibration": "none"},
        {"trim_ratio": 1.5},
    ],
)
async def test_probability_estimates_equal_sampling_on_the_same_data(world: World, options: dict) -> None:
    _, answered = await _run_wave(world)
    if options:
        weighted = await world.client.post(
            "/api/v1/waves/W1/weights", json=options, headers=world.auth("statistician")
        )
        assert weighted.status_code in (200, 201), weighted.text
    wave_id = (await Wave.select(Wave.id).where(Wave.code == "W1").first())["id"]
    weights = await weights_for_wave(wave_id)
    assert len(weights) == len(answered)
    rows = (
        await Submission.select(Submission.agency.code, Submission.dossier_hash, Submission.answers)
        .where(Submission.dossier_hash.is_in(list(weights)))
        .output(load_json=True)
    )
    design = await _direct_design(wave_id, rows, options)
    rating = {"RATING": np.array([float(r["answers"]["RATING"]) for r in rows])}
    columns = {"agency": np.array([r["agency.code"] for r in rows]), "channel": np.full(len(rows), "online")}
    for by in ("agency", "channel"):  # per agency, and the whole sample (every answer came online)
        direct = estimate_indices(
            design, rating, {}, by={by: columns[by]}, top=(2, 3), scale=(1, 2, 3), dont_know=()
        )
        response = await world.client.get(
            f"/api/v1/waves/W1/estimates?series=probability&by={by}", headers=world.auth("admin")
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["rows"] == len(answered) and body["series"] == "probability"
        stored = body["design"]["weights_calibration"]
        assert stored["linearised"] == (design.calibration is not None)
        assert stored["method"] == options.get("calibration", "poststratify")
        if not stored["linearised"]:
            assert stored["reason"] and "weights treated as fixed" in body["design"]["variance"]
        else:  # cells across the strata change the variance; unions of strata (the default) cannot
            assert stored["changes_variance"] == ("sex" in options.get("calibration_variables", []))
        for item in body["criteria"]:
            expected = direct.criteria[direct.criteria.find("RATING", item["domain"])]
            assert item["estimate"] == pytest.approx(expected.estimate, rel=1e-9)
            assert item["se"] == pytest.approx(expected.se, rel=1e-9)
            assert (item["ci_low"], item["ci_high"]) == pytest.approx(
                (expected.ci_low, expected.ci_high), rel=1e-9
            )
    if "sex" in options.get("calibration_variables", []):
        # calibration cells across the sampling strata: weights taken as fixed would give another SE (cells
        # that are unions of strata, with weights constant in each stratum, only shift z within a stratum)
        fixed = Design(
            weights=design.weights,
            strata=np.array([weights[r["dossier_hash"]].stratum for r in rows]),
            fpc=np.array([float(weights[r["dossier_hash"]].fpc) for r in rows]),
            lonely_psu="adjust",
        )
        a, b = (
            estimate_indices(d, rating, {}, top=(2, 3), scale=(1, 2, 3), dont_know=()).criteria.estimates[0]
            for d in (fixed, design)
        )
        assert a.estimate == pytest.approx(b.estimate, rel=1e-12) and abs(a.se - b.se) > 1e-6 * b.se
    # the self-selected series is separate: its 15 ratings are not in the probability estimates
    self_selected = (await world.client.get("/api/v1/waves/W1/estimates", headers=world.auth("admin"))).json()
    assert self_selected["rows"] == 15


async def test_export_carries_weights_design_and_codebook_never_phones(world: World, tmp_path: Path) -> None:
    _, answered = await _run_wave(world)
    target = tmp_path / "w1.csv"
    count = await write_export("W1", "csv", target)
    assert count == len(answered) + 15
    with target.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    linked = [r for r in rows if r["series"] == "probability"]
    assert len(linked) == len(answered)
    assert all(float(r["weight"]) > 0 and r["stratum"] and float(r["fpc"]) >= 1 for r in linked)
    assert all(r["weight"] == "" and r["psu"].count(":") == 1 for r in rows if r["series"] == "self-selected")
    text = target.read_text(encoding="utf-8")
    assert "09000" not in text and "+84" not in text  # frame phones never leave the database
    assert not any(dossier_hash(SECRET, code) in text for code in answered)
    codebook = list(csv.DictReader(codebook_path(target).open(encoding="utf-8")))
    rating = next(r for r in codebook if r["column"] == "RATING")
    assert rating["label_vi"] and "Hài lòng" in rating["values_vi"] and rating["values_en"]
    assert next(r for r in codebook if r["column"] == "weight")["kind"] == "design"


@pytest.mark.parametrize("by", [("field",), ("agency", "field"), ("frame:sex",), ("channel", "frame:sex")])
async def test_probability_estimates_by_field_and_frame_demographics(
    world: World, by: tuple[str, ...]
) -> None:
    _, answered = await _run_wave(world)
    wave_id = (await Wave.select(Wave.id).where(Wave.code == "W1").first())["id"]
    weights = await weights_for_wave(wave_id)
    rows = (
        await Submission.select(
            Submission.agency.code, Submission.channel, Submission.dossier_hash, Submission.answers
        )
        .where(Submission.dossier_hash.is_in(list(weights)))
        .output(load_json=True)
    )
    frame = {
        u["dossier_hash"]: u
        for u in await FrameUnit.select(FrameUnit.dossier_hash, FrameUnit.field, FrameUnit.demographics)
        .where(FrameUnit.wave == wave_id)
        .output(load_json=True)
    }

    def column(name: str) -> np.ndarray:
        if name == "agency":
            return np.array([r["agency.code"] for r in rows])
        if name == "channel":
            return np.array([r["channel"] for r in rows])
        if name == "field":
            return np.array([frame[r["dossier_hash"]]["field"] for r in rows])
        return np.array([frame[r["dossier_hash"]]["demographics"].get(name[6:]) or "unknown" for r in rows])

    design = await _direct_design(wave_id, rows, {})
    direct = estimate_indices(
        design,
        {"RATING": np.array([float(r["answers"]["RATING"]) for r in rows])},
        {},
        by={b: column(b) for b in by},
        top=(2, 3),
        scale=(1, 2, 3),
        dont_know=(),
    )
    query = "&".join(f"by={b}" for b in by)
    response = await world.client.get(
        f"/api/v1/waves/W1/estimates?series=probability&{query}", headers=world.auth("admin")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rows"] == len(answered) and len(body["criteria"]) == len(direct.criteria.estimates)
    for item in body["criteria"]:
        expected = direct.criteria[direct.criteria.find("RATING", item["domain"])]
        assert item["estimate"] == pytest.approx(expected.estimate, rel=1e-9)
        assert item["se"] == pytest.approx(expected.se, rel=1e-9)
        assert (item["ci_low"], item["ci_high"]) == pytest.approx(
            (expected.ci_low, expected.ci_high), rel=1e-9
        )
        assert item["n"] == expected.n and item["df"] == expected.df
    if "field" in by:  # every respondent of the sample has a frame dossier: no unknown field
        assert {i["domain"]["field"] for i in body["criteria"]} == {"Hộ tịch", "Đất đai"}
