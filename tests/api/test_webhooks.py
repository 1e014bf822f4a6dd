"""Outbound webhooks end to end against a real HTTP receiver on 127.0.0.1 (tests.support.webhook_receiver):
subscriptions and their scope, events stored with their cause, signed deliveries, retries with exponential
backoff for a day, one attempt in flight per delivery, pause, replay; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from piccolo.engine.base import Engine

from api.app import create_app
from api.settings import Settings
from survey_engine.tables import Submission, WebhookAttempt, WebhookDelivery, WebhookEvent
from survey_engine.transactions import write_transaction
from survey_engine.webhooks.delivery import DeliveryPolicy, DeliveryWorker
from survey_engine.webhooks.outbox import enqueue
from tests.api.conftest import World, create_open_wave, online_body, point_token, shared_app
from tests.support.webhook_receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def app(settings: Settings, engine: Engine) -> Litestar:
    allowed = dataclasses.replace(settings, webhook_allow_hosts=frozenset({"127.0.0.1"}))
    return shared_app(allowed, engine)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


async def subscribe(
    world: World,
    receiver: Receiver,
    role: str = "agency",
    agency: str = "A1",
    events: list[str] | None = None,
) -> dict[str, Any]:
    body = {"agency": agency, "url": receiver.url, "events": events or ["low_rating", "comment"]}
    response = await world.client.post("/api/v1/webhooks", json=body, headers=world.auth(role))
    assert response.status_code == 201, response.text
    created = response.json()
    receiver.secret = created["secret"]
    return created


def worker(world: World) -> DeliveryWorker:
    """The worker the server and the CLI run, built by the services container from the settings."""
    built: DeliveryWorker = world.app.state.services.webhook_worker()
    return built


async def submit(world: World, point: str, answers: dict[str, Any]) -> str:
    body = online_body(await point_token(world, point), answers=answers)
    response = await world.client.post("/api/v1/submissions", json=body)
    assert response.status_code == 201, response.text
    return str(body["id"])


async def test_low_ratings_and_comments_reach_their_agency_signed(world: World, receiver: Receiver) -> None:
    created = await subscribe(world, receiver)
    assert created["secret"].startswith("whsec_")
    assert created["webhook"]["events"] == ["comment", "low_rating"] and created["webhook"]["active"]
    await create_open_wave(world)
    low = await submit(world, "A1-Q1", {"RATING": 1, "COMMENT": "  Chờ quá lâu  "})
    await submit(world, "A1-Q1", {"RATING": 3})  # satisfied, no comment: no event
    await submit(world, "A2-Q1", {"RATING": 1, "COMMENT": "khác"})  # another agency's: not A1's to see
    assert await WebhookEvent.count() == 4  # stored with their submissions (A2's have no subscriber)
    report = await worker(world).run_once()
    assert (report.delivered, report.failed, report.retrying) == (2, 0, 0)
    assert await WebhookEvent.count() == 2  # the unsubscribed events are dropped at fan-out
    assert all(r.verified for r in receiver.received)
    by_type = {r.headers["x-sipas-event"]: r for r in receiver.received}
    assert set(by_type) == {"low_rating", "comment"}
    rating = by_type["low_rating"].json
    assert rating["type"] == "low_rating" and rating["agency"] == "A1"
    assert rating["id"] == by_type["low_rating"].headers["x-sipas-event-id"]
    data = rating["data"]
    assert data["submission"] == low and data["service_point"] == "A1-Q1" and data["wave"] == "W1"
    assert data["low_items"] == [{"item": "RATING", "ref": "1", "value": 1}]
    assert data["comment"] == "Chờ quá lâu" and data["channel"] == "online" and data["complete"] is True
    assert data["questionnaire"] == "counter-3@1"
    assert by_type["comment"].json["data"]["low_rating"] is True
    assert all("khác" not in r.body.decode() for r in receiver.received)
    # The delivery log: delivered, one attempt with its status code.
    log = await world.client.get(
        f"/api/v1/webhooks/{created['webhook']['id']}/deliveries", headers=world.auth("agency")
    )
    assert log.status_code == 200 and log.json()["total"] == 2
    first = log.json()["items"][0]
    assert first["status"] == "delivered" and first["attempts"] == 1 and first["last_status_code"] == 200
    detail = await world.client.get(f"/api/v1/webhook-deliveries/{first['id']}", headers=world.auth("agency"))
    attempt = detail.json()["attempt_log"]
    assert [(a["number"], a["status_code"], a["replay"]) for a in attempt] == [(1, 200, False)]
    # Nothing more to do: a second round sends nothing, and makes no HTTP client (loading the CA
    # certificates costs every idle server about 20 ms of its event loop per round).
    idle = worker(world)
    clients: list[object] = []
    real = idle._client
    idle._client = lambda: clients.append(1) or real()  # type: ignore[method-assign]
    again = await idle.run_once()
    assert (again.delivered, len(receiver.received), clients) == (0, 2, [])


async def test_an_event_is_stored_only_with_its_cause(world: World) -> None:
    await create_open_wave(world)
    agency_id = (await Submission.raw("SELECT id FROM agency WHERE code = 'A1'"))[0]["id"]
    with pytest.raises(RuntimeError):
        async with write_transaction(WebhookEvent._meta.db):
            await enqueue("comment", agency_id, {"comment": "x"})
            raise RuntimeError("the cause fails to store")
    assert await WebhookEvent.count() == 0
    # A refused submission (the wave closed) raises no event either.
    token = await point_token(world)
    await world.client.post("/api/v1/waves/W1/status", json={"status": "closed"}, headers=world.auth("admin"))
    events_after_close = await WebhookEvent.count()
    refused = await world.client.post("/api/v1/submissions", json=online_body(token, answers={"RATING": 1}))
    assert refused.status_code == 409
    assert await WebhookEvent.count() == events_after_close
    assert await WebhookEvent.select(WebhookEvent.event_type).distinct() == [{"event_type": "wave_closed"}]


async def test_wave_closed_tells_each_agency_its_own_count(world: World, receiver: Receiver) -> None:
    await subscribe(world, receiver, role="admin", agency="A2", events=["wave_closed"])
    await create_open_wave(world)
    await submit(world, "A2-Q1", {"RATING": 3})
    await submit(world, "A1-Q1", {"RATING": 2})
    await submit(world, "A1-Q1", {"RATING": 2})
    closed = await world.client.post(
        "/api/v1/waves/W1/status", json={"status": "closed"}, headers=world.auth("admin")
    )
    assert closed.status_code == 200
    await worker(world).run_once()
    assert [r.headers["x-sipas-event"] for r in receiver.received] == ["wave_closed"]
    body = receiver.received[0].json
    assert body["agency"] == "A2" and receiver.received[0].verified
    assert body["data"]["wave"] == "W1" and body["data"]["responses"] == 1
    assert body["data"]["period_start"] == "2026-01-01" and body["data"]["name"]["en"] == "Wave 1"


async def test_retries_with_exponential_backoff_then_fails_after_a_day(
    world: World, receiver: Receiver
) -> None:
    created = await subscribe(world, receiver)
    await create_open_wave(world)
    await submit(world, "A1-Q1", {"RATING": 1})  # low rating only
    receiver.statuses.extend([500] * 100)
    now = [datetime.now(UTC)]
    slow = DeliveryWorker(
        world.app.state.services.settings.secret_key,
        DeliveryPolicy(allowed_hosts=frozenset({"127.0.0.1"}), timeout_seconds=5),
        clock=lambda: now[0],
    )
    start = now[0]
    await slow.run_once()
    schedule = []
    while True:
        row = await WebhookDelivery.select().first()
        assert row is not None
        if row["status"] == "failed":
            break
        assert row["status"] == "pending" and row["last_status_code"] == 500
        wait = row["next_attempt_at"] - now[0]
        schedule.append(wait.total_seconds())
        now[0] = now[0] + wait - timedelta(seconds=1)
        assert (await slow.run_once()).retrying == 0  # not due yet: nothing sent
        now[0] += timedelta(seconds=1)
        await slow.run_once()
    # 30 s doubling each time, the last wait cut to end at the deadline (a day after the event).
    assert schedule[:11] == [30.0 * 2**n for n in range(11)]
    assert sum(schedule) == pytest.approx(timedelta(days=1).total_seconds(), abs=1)
    assert len(receiver.received) == len(schedule) + 1 == row["attempts"] == 13  # as docs/webhooks.md says
    assert all(r.verified for r in receiver.received)
    assert now[0] - start == pytest.approx(timedelta(days=1), abs=timedelta(seconds=2))
    assert await WebhookAttempt.count() == row["attempts"]
    listed = await world.client.get(
        f"/api/v1/webhooks/{created['webhook']['id']}/deliveries?status=failed", headers=world.auth("agency")
    )
    assert listed.json()["total"] == 1 and listed.json()["items"][0]["next_attempt_at"] is None


async def test_a_500_is_retried_until_the_receiver_takes_it(world: World, receiver: Receiver) -> None:
    await subscribe(world, receiver, events=["comment"])
    await create_open_wave(world)
    await submit(world, "A1-Q1", {"RATING": 3, "COMMENT": "Cảm ơn"})
    receiver.statuses.extend([500, 503])
    now = [datetime.now(UTC)]
    clocked = DeliveryWorker(
        world.app.state.services.settings.secret_key,
        DeliveryPolicy(allowed_hosts=frozenset({"127.0.0.1"})),
        clock=lambda: now[0],
    )
    for _ in range(3):
        await clocked.run_once()
        now[0] += timedelta(minutes=5)
    row = await WebhookDelivery.select().first()
    assert row is not None and row["status"] == "delivered" and row["attempts"] == 3
    ids = {r.headers["x-sipas-event-id"] for r in receiver.received}
    assert len(receiver.received) == 3 and len(ids) == 1  # the same event each time: receivers de-duplicate
    codes = [a["status_code"] for a in await WebhookAttempt.select().order_by(WebhookAttempt.number)]
    assert codes == [500, 503, 200]


async def test_one_attempt_in_flight_per_delivery_across_workers(world: World, receiver: Receiver) -> None:
    await subscribe(world, receiver)
    await create_open_wave(world)
    for n in range(3):
        await submit(world, "A1-Q1", {"RATING": 1, "COMMENT": f"góp ý {n}"})
    receiver.delay = 0.3
    reports = await asyncio.gather(*(worker(world).run_once() for _ in range(4)))
    assert sum(r.delivered for r in reports) == 6
    assert len(receiver.received) == 6
    assert len({r.headers["x-sipas-delivery"] for r in receiver.received}) == 6
    assert await WebhookAttempt.count() == 6


async def test_pause_holds_deliveries_and_resume_sends_them(world: World, receiver: Receiver) -> None:
    created = await subscribe(world, receiver, events=["comment"])
    hook = f"/api/v1/webhooks/{created['webhook']['id']}"
    paused = await world.client.patch(hook, json={"active": False}, headers=world.auth("agency"))
    assert paused.status_code == 200 and paused.json()["active"] is False
    await create_open_wave(world)
    await submit(world, "A1-Q1", {"RATING": 3, "COMMENT": "một"})
    await worker(world).run_once()
    assert receiver.received == []  # paused: no delivery is made for it (the event is dropped)
    resumed = await world.client.patch(hook, json={"active": True}, headers=world.auth("agency"))
    assert resumed.json()["active"] is True
    await submit(world, "A1-Q1", {"RATING": 3, "COMMENT": "hai"})
    await worker(world).run_once()
    assert [r.json["data"]["comment"] for r in receiver.received] == ["hai"]


async def test_paused_with_pending_deliveries_then_resumed(world: World, receiver: Receiver) -> None:
    created = await subscribe(world, receiver, events=["comment"])
    hook = f"/api/v1/webhooks/{created['webhook']['id']}"
    await create_open_wave(world)
    await submit(world, "A1-Q1", {"RATING": 3, "COMMENT": "đang chờ"})
    receiver.statuses.append(500)
    await worker(world).run_once()  # one failed attempt: pending, retry in 30 s
    await world.client.patch(hook, json={"active": False}, headers=world.auth("agency"))
    later = [datetime.now(UTC) + timedelta(minutes=10)]
    clocked = DeliveryWorker(
        world.app.state.services.settings.secret_key,
        DeliveryPolicy(allowed_hosts=frozenset({"127.0.0.1"})),
        clock=lambda: later[0],
    )
    await clocked.run_once()
    assert len(receiver.received) == 1  # paused: the due retry waits
    await world.client.patch(hook, json={"active": True}, headers=world.auth("agency"))
    await clocked.run_once()
    assert len(receiver.received) == 2 and receiver.received[1].json["data"]["comment"] == "đang chờ"


async def test_replay_by_hand_sends_the_same_event_again(world: World, receiver: Receiver) -> None:
    created = await subscribe(world, receiver, events=["low_rating"])
    await create_open_wave(world)
    await submit(world, "A1-Q1", {"RATING": 1})
    await worker(world).run_once()
    delivery = (await WebhookDelivery.select(WebhookDelivery.id).first() or {})["id"]
    other = await world.client.post(
        f"/api/v1/webhook-deliveries/{delivery}/replay", headers=world.auth("statistician")
    )
    assert other.status_code == 403
    replayed = await world.client.post(
        f"/api/v1/webhook-deliveries/{delivery}/replay", headers=world.auth("agency")
    )
    assert replayed.status_code == 200 and replayed.json()["status"] == "pending"
    await worker(world).run_once()
    assert len(receiver.received) == 2
    assert receiver.received[0].body == receiver.received[1].body  # the same event id and data
    detail = await world.client.get(f"/api/v1/webhook-deliveries/{delivery}", headers=world.auth("admin"))
    assert detail.json()["status"] == "delivered"
    assert [(a["number"], a["replay"]) for a in detail.json()["attempt_log"]] == [(2, True), (1, False)]
    del created


async def test_scope_and_roles(world: World, receiver: Receiver) -> None:
    body = {"agency": "A2", "url": receiver.url, "events": ["comment"]}
    # An agency user cannot subscribe for another agency, nor see its subscriptions.
    other = await world.client.post("/api/v1/webhooks", json=body, headers=world.auth("agency"))
    assert other.status_code == 404
    for role in ("statistician", "interviewer"):
        refused = await world.client.post("/api/v1/webhooks", json=body, headers=world.auth(role))
        assert refused.status_code == 403
        assert (await world.client.get("/api/v1/webhooks", headers=world.auth(role))).status_code == 403
    assert (await world.client.get("/api/v1/webhooks")).status_code == 401
    a2 = await subscribe(world, receiver, role="admin", agency="A2", events=["comment"])
    a2_id = a2["webhook"]["id"]
    assert (
        await world.client.get(f"/api/v1/webhooks/{a2_id}", headers=world.auth("agency"))
    ).status_code == 404
    patched = await world.client.patch(
        f"/api/v1/webhooks/{a2_id}", json={"active": False}, headers=world.auth("agency")
    )
    assert patched.status_code == 404
    listed = await world.client.get("/api/v1/webhooks", headers=world.auth("agency"))
    assert listed.json()["total"] == 0
    assert (await world.client.get("/api/v1/webhooks", headers=world.auth("admin"))).json()["total"] == 1
    # At most ten per agency: the eleventh is a conflict.
    for _ in range(9):
        await subscribe(world, receiver, role="admin", agency="A2", events=["comment"])
    eleventh = await world.client.post("/api/v1/webhooks", json=body, headers=world.auth("admin"))
    assert eleventh.status_code == 409 and "10 webhooks" in eleventh.text
    # The secret is never shown again.
    shown = await world.client.get(f"/api/v1/webhooks/{a2_id}", headers=world.auth("admin"))
    assert a2["secret"] not in shown.text and "secret" not in shown.json()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://example.org/hook", "https"),
        ("https://10.0.0.5/hook", "private"),
        ("https://169.254.169.254/latest", "private"),
        ("https://localhost/hook", "local"),
        ("https://user:pw@example.org/hook", "password"),
        ("ftp://example.org/", "https"),
        ("https://example.org/a b", "spaces"),
    ],
)
async def test_unsafe_addresses_are_refused(world: World, url: str, reason: str) -> None:
    body = {"agency": "A1", "url": url, "events": ["comment"]}
    response = await world.client.post("/api/v1/webhooks", json=body, headers=world.auth("admin"))
    assert response.status_code == 422, response.text
    assert reason in response.text
    unknown = await world.client.post(
        "/api/v1/webhooks",
        json={"agency": "A1", "url": "https://example.org/h", "events": ["everything"]},
        headers=world.auth("admin"),
    )
    assert unknown.status_code in (400, 422)
    assert (await world.client.get("/api/v1/webhooks", headers=world.auth("admin"))).json()["total"] == 0


async def test_cli_delivers_once(world: World, receiver: Receiver, settings: Settings) -> None:
    await subscribe(world, receiver, events=["comment"])
    await create_open_wave(world)
    await submit(world, "A1-Q1", {"RATING": 3, "COMMENT": "từ cron"})
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": settings.database_url,
        "SIPAS_SECRET_KEY": settings.secret_key,
        "SIPAS_DATA_DIR": str(settings.data_dir),
        "SIPAS_WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "api.cli", "webhooks", "deliver", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "fanned out 1 events, delivered 1, retrying 0, failed 0"
    assert [r.json["data"]["comment"] for r in receiver.received] == ["từ cron"]
    assert receiver.received[0].verified
    bad = subprocess.run(
        [sys.executable, "-m", "api.cli", "webhooks", "deliver", "--interval", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1


async def test_the_server_runs_the_worker_in_its_lifespan(
    settings: Settings, engine: Engine, receiver: Receiver
) -> None:
    from litestar.testing import AsyncTestClient

    from survey_engine.actors import SYSTEM

    serving = create_app(
        dataclasses.replace(settings, webhook_allow_hosts=frozenset({"127.0.0.1"}), webhook_worker=True),
        engine,
    )
    services = serving.state.services
    async with AsyncTestClient(app=serving):
        await services.agencies.create(
            SYSTEM, {"code": "A1", "name_vi": "A", "name_en": "A", "level": "province"}
        )
        _, receiver.secret = await services.webhooks.create(SYSTEM, "A1", receiver.url, ["comment"])
        agency_id = (await Submission.raw("SELECT id FROM agency WHERE code = 'A1'"))[0]["id"]
        async with write_transaction(WebhookEvent._meta.db):
            await enqueue("comment", agency_id, {"comment": "trong máy chủ"})
        for _ in range(100):
            if receiver.received:
                break
            await asyncio.sleep(0.1)
    assert [r.json["data"]["comment"] for r in receiver.received] == ["trong máy chủ"]
    assert receiver.received[0].verified


async def test_a_slow_receiver_times_out_and_is_retried(world: World, receiver: Receiver) -> None:
    await subscribe(world, receiver, events=["comment"])
    await create_open_wave(world)
    await submit(world, "A1-Q1", {"RATING": 3, "COMMENT": "chậm"})
    receiver.delay = 1.5
    impatient = DeliveryWorker(
        world.app.state.services.settings.secret_key,
        DeliveryPolicy(allowed_hosts=frozenset({"127.0.0.1"}), timeout_seconds=0.5),
    )
    report = await impatient.run_once()
    assert report.retrying == 1 and report.delivered == 0
    row = await WebhookDelivery.select().first()
    assert row is not None and row["status"] == "pending" and row["last_status_code"] is None
    assert row["last_error"] == "timed out after 0.5 s"
    attempt = await WebhookAttempt.select().first()
    assert (
        attempt is not None and attempt["error"] == "timed out after 0.5 s" and attempt["duration_ms"] >= 400
    )


async def test_openapi_lists_the_webhook_routes(world: World) -> None:
    paths = set((await world.client.get("/schema/openapi.json")).json()["paths"])
    assert {
        "/api/v1/webhooks",
        "/api/v1/webhooks/{webhook_id}",
        "/api/v1/webhooks/{webhook_id}/deliveries",
        "/api/v1/webhook-deliveries/{delivery_id}",
        "/api/v1/webhook-deliveries/{delivery_id}/replay",
    } <= paths
