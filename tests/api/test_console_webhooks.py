"""Console pages for webhooks: subscribe (secret shown once), the delivery log, pause, replay, CSRF, roles."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

import pytest
from litestar import Litestar
from piccolo.engine.base import Engine

from api.settings import Settings
from survey_engine.tables import WebhookDelivery, WebhookSubscription
from tests.api.conftest import World, create_open_wave, online_body, point_token, shared_app
from tests.support.console import Console, text_of
from tests.support.webhook_receiver import Receiver

SECRET = re.compile(r'<code class="c-secret" id="secret"[^>]*>(whsec_[A-Za-z0-9_-]+)</code>')


@pytest.fixture
async def app(settings: Settings, engine: Engine) -> Litestar:
    return shared_app(dataclasses.replace(settings, webhook_allow_hosts=frozenset({"127.0.0.1"})), engine)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


async def create(agency: Console, receiver: Receiver) -> int:
    form = {
        "agency": "A1",
        "url": receiver.url,
        "events": ["low_rating", "comment"],
        "description": "Một cửa",
    }
    response = await agency.post("/staff/webhooks/new", form)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    match = SECRET.search(response.text)
    assert match is not None
    receiver.secret = match.group(1)
    assert "Khóa ký chỉ hiển thị một lần." in text_of(response.text)
    row = await WebhookSubscription.select(WebhookSubscription.id, WebhookSubscription.secret_salt).first()
    assert row is not None and receiver.secret not in str(row)  # only the salt is stored
    return int(row["id"])


async def test_agency_user_subscribes_and_reads_the_delivery_log(world: World, receiver: Receiver) -> None:
    agency = Console(world, "agency")
    form = await agency.get("/staff/webhooks/new")
    assert form.status_code == 200 and '<option value="A1" selected>' in form.text
    assert 'value="A2"' not in form.text
    hook_id = await create(agency, receiver)
    listing = await agency.get("/staff/webhooks")
    assert receiver.secret not in listing.text
    assert "Một cửa" in text_of(listing.text) and "Đang hoạt động" in text_of(listing.text)
    await create_open_wave(world)
    token = await point_token(world)
    body = online_body(token, answers={"RATING": 1, "COMMENT": "Thái độ chưa tốt"})
    assert (await world.client.post("/api/v1/submissions", json=body)).status_code == 201
    receiver.statuses.append(500)
    await world.app.state.services.webhook_worker().run_once()
    detail = await agency.get(f"/staff/webhooks/{hook_id}")
    text = text_of(detail.text)
    assert "Nhật ký gửi" in text and "Đánh giá thấp" in text and "Góp ý" in text
    assert "HTTP 500" in text and "Chờ gửi" in text and "HTTP 200" in text and "Đã gửi" in text
    failed = (
        await WebhookDelivery.select(WebhookDelivery.id).where(WebhookDelivery.status == "pending").first()
    )
    assert failed is not None
    page = await agency.get(f"/staff/webhooks/deliveries/{failed['id']}")
    assert "HTTP 500" in text_of(page.text) and "Các lần thử" in text_of(page.text)
    # Replay by hand from the console; without the CSRF token nothing happens.
    stale = await agency.post(f"/staff/webhooks/deliveries/{failed['id']}/replay", csrf=False)
    assert stale.status_code == 400
    replay = await agency.post(f"/staff/webhooks/deliveries/{failed['id']}/replay")
    assert replay.status_code == 303 and "done=wh_replayed" in replay.headers["location"]
    await world.app.state.services.webhook_worker().run_once()
    after = await agency.get(f"/staff/webhooks/deliveries/{failed['id']}")
    assert "gửi lại" in text_of(after.text) and "Đã gửi" in text_of(after.text)
    assert all(r.verified for r in receiver.received) and len(receiver.received) == 3


async def test_pause_and_resume_from_the_console(world: World, receiver: Receiver) -> None:
    admin = Console(world, "admin", lang="en")
    hook_id = await create(Console(world, "agency"), receiver)
    stale = await admin.post(f"/staff/webhooks/{hook_id}/active", {"active": "0"}, csrf=False)
    assert stale.status_code == 400
    assert (await WebhookSubscription.select(WebhookSubscription.active).first() or {})["active"] is True
    paused = await admin.post(f"/staff/webhooks/{hook_id}/active", {"active": "0"})
    assert paused.status_code == 303
    page = await admin.get(f"/staff/webhooks/{hook_id}", done="wh_paused")
    assert "The webhook is paused." in text_of(page.text) and "Resume" in text_of(page.text)
    await admin.post(f"/staff/webhooks/{hook_id}/active", {"active": "1"})
    assert (await WebhookSubscription.select(WebhookSubscription.active).first() or {})["active"] is True


async def test_bad_input_and_roles(world: World, receiver: Receiver) -> None:
    admin = Console(world, "admin")
    empty = await admin.post("/staff/webhooks/new", {"agency": "", "url": ""})
    assert empty.status_code == 422
    text = text_of(empty.text)
    assert "Vui lòng chọn cơ quan." in text and "Vui lòng nhập địa chỉ nhận." in text
    assert "Vui lòng chọn ít nhất một sự kiện." in text
    unsafe = await admin.post(
        "/staff/webhooks/new", {"agency": "A1", "url": "http://example.org/x", "events": ["comment"]}
    )
    assert unsafe.status_code == 422 and "Không dùng được địa chỉ này" in text_of(unsafe.text)
    assert await WebhookSubscription.count() == 0
    hook_id = await create(admin, receiver)
    for role in ("statistician", "interviewer"):
        assert (await Console(world, role).get("/staff/webhooks")).status_code == 403
    # An agency user of A2 would not see A1's; here the agency user is A1's: make an A2 hook and try it.
    a2 = await admin.post("/staff/webhooks/new", {"agency": "A2", "url": receiver.url, "events": ["comment"]})
    assert a2.status_code == 200
    other = (
        await WebhookSubscription.select(WebhookSubscription.id)
        .where(WebhookSubscription.id != hook_id)
        .first()
        or {}
    )["id"]
    agency = Console(world, "agency")
    assert (await agency.get(f"/staff/webhooks/{other}")).status_code == 404
    assert (await agency.post(f"/staff/webhooks/{other}/active", {"active": "0"})).status_code == 404
    forged = await agency.post(
        "/staff/webhooks/new", {"agency": "A2", "url": receiver.url, "events": ["comment"]}
    )
    assert forged.status_code == 404
    menu = await agency.get("/staff")
    assert 'href="/staff/webhooks"' in menu.text
    assert 'href="/staff/webhooks"' not in (await Console(world, "statistician").get("/staff")).text
