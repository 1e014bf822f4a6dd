"""Issue #13 item 2: the series not linked to the sample is named for what defines it, the estimates list
the channels actually present in each series (counted from the data), and a series that is not a
probability sample says that comparisons drawn from it are descriptive. Runs on both engines."""

from __future__ import annotations

import random
import uuid

from survey_engine.collection.receipts import dossier_hash, sign_receipt
from survey_engine.tables import Wave
from tests.api.conftest import World, create_open_wave
from tests.api.test_fieldwork import SECRET, frame_csv, post_frame

# Responses not linked to the sample: (agency, channel, count). Phone and paper rows without a sampled
# dossier land in this series as well as online ones: the label must not say "kiosk, QR and online".
UNLINKED = (("A1", "online", 5), ("A1", "phone", 4), ("A1", "paper", 3), ("A2", "paper", 2))


async def _wave_with_three_channels(world: World, one_day: bool = False) -> tuple[int, int]:
    """A weighted wave with sampled online answers and unlinked online, phone and paper answers; returns
    (sampled answers, unlinked answers linked to a frame dossier that was not sampled)."""
    await create_open_wave(world, channels=("online", "phone", "paper"))
    assert (await post_frame(world, frame_csv())).status_code == 201
    body = {"strata": ["agency", "field"], "n": 40, "seed": 5, "allocation": "proportional"}
    drawn = await world.client.post("/api/v1/waves/W1/draw", json=body, headers=world.auth("admin"))
    assert drawn.status_code == 201, drawn.text
    sampled = {r["dossier_hash"] for r in await Wave.raw("SELECT dossier_hash FROM sample_unit")}
    codes = [line.split(",")[0] for line in frame_csv().splitlines()[1:]]
    tokens = {}
    for point in ("A1-Q1", "A2-Q1"):
        tokens[point[:2]] = (
            await world.client.get(f"/api/v1/service-points/{point}", headers=world.auth("admin"))
        ).json()["token"]
    rng = random.Random(8)

    async def post(agency: str, channel: str, code: str | None = None, day: int = 2) -> None:
        body = {
            "submitted_at": f"2026-03-{day:02d}T09:00:00+00:00",
            "id": str(uuid.uuid4()),
            "token": tokens[agency],
            "answers": {"RATING": rng.choice([1, 2, 3])},
            "channel": channel,
        }
        if code is not None:
            body["receipt"] = sign_receipt(SECRET, code, f"{agency}-Q1")
        staff = world.auth("interviewer") if channel in ("phone", "paper") else {}  # entered by staff
        response = await world.client.post("/api/v1/submissions", json=body, headers=staff)
        assert response.status_code == 201, response.text

    in_sample = [c for c in codes if dossier_hash(SECRET, c) in sampled]
    for code in in_sample:
        await post(code.split("-")[1], "online", code)
    for agency, channel, n in UNLINKED:
        for _ in range(n):
            await post(agency, channel)
    # Four phone answers with a receipt of a frame dossier that was NOT sampled: still not in the sample
    # (on four days: four clusters, so a calibration of them has a variance).
    outside = [c for c in codes if dossier_hash(SECRET, c) not in sampled and c.split("-")[1] == "A2"][:4]
    for day, code in enumerate(outside, 3):
        await post("A2", "phone", code, 3 if one_day else day)
    weighted = await world.client.post(
        "/api/v1/waves/W1/weights", json={}, headers=world.auth("statistician")
    )
    assert weighted.status_code in (200, 201), weighted.text
    return len(in_sample), len(outside)


async def test_channels_of_each_series_are_counted_from_the_data(world: World) -> None:
    sampled, outside = await _wave_with_three_channels(world)
    admin = world.auth("statistician")
    body = (await world.client.get("/api/v1/waves/W1/estimates", headers=admin)).json()
    assert body["series"] == "self-selected"
    assert outside == 4
    assert body["channels"] == [  # most responses first, ties by name
        {"channel": "phone", "responses": 4 + outside},
        {"channel": "online", "responses": 5},
        {"channel": "paper", "responses": 5},
    ]
    assert sum(c["responses"] for c in body["channels"]) == body["rows"]
    label = body["design"]["label"]
    assert label["en"].startswith("Responses not linked to the wave's probability sample")
    assert label["vi"].startswith("Các câu trả lời không gắn với mẫu xác suất của đợt khảo sát")
    assert "kiosk" not in label["en"] and "QR" not in label["en"]
    assert body["design"]["inference"] == "descriptive"

    probability = (
        await world.client.get("/api/v1/waves/W1/estimates?series=probability", headers=admin)
    ).json()
    assert probability["channels"] == [{"channel": "online", "responses": sampled}]
    assert probability["rows"] == sampled
    assert probability["design"]["inference"] == "design-based"

    # By channel: the domains are the channels counted, with the same row counts.
    by_channel = (await world.client.get("/api/v1/waves/W1/estimates?by=channel", headers=admin)).json()
    overall = {i["domain"]["channel"]: i["n"] for i in by_channel["indices"] if i["kind"] == "overall"}
    assert overall == {c["channel"]: c["responses"] for c in body["channels"]}


async def test_an_agency_user_sees_its_own_channels(world: World) -> None:
    _, outside = await _wave_with_three_channels(world)
    own = (await world.client.get("/api/v1/waves/W1/estimates", headers=world.auth("agency"))).json()
    assert own["channels"] == [
        {"channel": "online", "responses": 5},
        {"channel": "phone", "responses": 4},
        {"channel": "paper", "responses": 3},
    ]
    assert outside == 4  # A2's four phone and two paper answers are not in A1's counts


async def test_channels_follow_the_rows_a_calibration_keeps(world: World) -> None:
    """`frame-agency-field` keeps only responses linked to a frame dossier (here the four phone answers with
    a receipt of an unsampled dossier): the channels count those rows and no other."""
    _, outside = await _wave_with_three_channels(world)
    body = (
        await world.client.get(
            "/api/v1/waves/W1/estimates?calibrate=frame-agency-field", headers=world.auth("admin")
        )
    ).json()
    assert body["rows"] == outside
    assert body["channels"] == [{"channel": "phone", "responses": outside}]
    assert body["calibration"]["excluded_rows"] == sum(n for _, _, n in UNLINKED)
    assert body["design"]["inference"] == "descriptive"


async def test_a_calibration_of_a_single_cluster_is_a_clear_problem_not_a_crash(world: World) -> None:
    """When the rows a calibration keeps form one cluster (one service point on one day), no variance can
    be estimated: the answer says so (422, naming `calibrate`) instead of failing with a 500."""
    await _wave_with_three_channels(world, one_day=True)
    response = await world.client.get(
        "/api/v1/waves/W1/estimates?calibrate=frame-agency-field", headers=world.auth("admin")
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["errors"][0]["field"] == "calibrate"
    assert "cluster" in problem["errors"][0]["message"]
