"""Console pages of the one-stop integration: API keys (admin), the counter dashboard, officers (agency)."""

from __future__ import annotations

import re

from survey_engine.security import hash_token
from survey_engine.tables import ApiKey
from tests.api.conftest import World
from tests.integrations.helpers import d61, new_key, open_counter_waves, rating, send
from tests.support.console import Console, text_of


async def test_admin_creates_a_key_shown_once_and_revokes_it(world: World) -> None:
    admin = Console(world, "admin")
    listing = await admin.get("/staff/api-keys")
    assert listing.status_code == 200 and "Khóa API của hệ thống một cửa" in text_of(listing.text)
    created = await admin.post("/staff/api-keys", {"name": "Một cửa tỉnh", "agency": "A1"})
    assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
    match = re.search(r"(sk_[A-Za-z0-9_-]{40,})", created.text)
    assert match is not None
    key = match.group(1)
    stored = await ApiKey.select(ApiKey.key_hash, ApiKey.agency.code)
    assert stored == [{"key_hash": hash_token(key), "agency.code": "A1"}]
    again = await admin.get("/staff/api-keys")
    assert key not in again.text and key[:10] in again.text
    bad = await admin.post("/staff/api-keys", {"name": "", "agency": ""})
    assert bad.status_code == 422 and "Nhập tên hệ thống" in text_of(bad.text)
    key_id = (await ApiKey.select(ApiKey.id).first())["id"]  # type: ignore[index]
    revoked = await admin.post(f"/staff/api-keys/{key_id}/revoke", {})
    assert revoked.status_code in (302, 303)
    assert (await send(world, key, [rating()])).status_code == 401
    for role in ("statistician", "agency"):
        assert (await Console(world, role).get("/staff/api-keys")).status_code == 403


async def test_dashboard_and_officer_pages(world: World) -> None:
    await open_counter_waves(world)
    key = await new_key(world, "A1")
    lines = [rating(value=3, officer="CB01") for _ in range(28)] + [
        rating(value=1, officer="CB01") for _ in range(2)
    ]
    lines += [d61(scores=(2,) * 8 + (1,)), rating(value=2, officer="CB07")]
    assert (await send(world, key, lines)).json()["accepted"] == 32
    board = await Console(world, "statistician").get("/staff/counter", agency="A1")
    assert board.status_code == 200
    text = text_of(board.text)
    assert "Hôm nay" in text and "Tuần này" in text and "Tháng này" in text and "Tốt" in text
    assert "17,0" in text  # the Decree 61 score, Vietnamese decimals
    agency = Console(world, "agency")
    officers = await agency.get("/staff/officers")
    assert officers.status_code == 200 and "CB01" in officers.text and "CB07" in officers.text
    saved = await agency.post("/staff/officers", {"code": "CB01", "name": "Trần Thị Bình"})
    assert saved.status_code in (302, 303)
    officers = text_of((await agency.get("/staff/officers")).text)
    assert "Trần Thị Bình" in officers and "Dưới 30 lượt đánh giá" in officers
    assert (await Console(world, "admin").get("/staff/officers")).status_code == 403
