"""The submission rate limit and kiosk revocation hold across server processes (issue 11, items 6 and 11).

The limit is keyed by what a client cannot invent (the service point its token resolves to, or a registered
kiosk device), covers every submission path (JSON API, no-JavaScript form, interviewer screens) and is
counted in the database, so two applications on one database (what two server processes or two hosts
are) share it. A second application is also what proves that a revocation bites at once everywhere.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from piccolo.engine.base import Engine

import api.collection.routes_submissions as submissions_route
from api.app import create_app
from api.settings import Settings
from survey_engine.collection.submissions import SubmissionRequest
from survey_engine.tables import Contact, Submission, SubmissionRate
from tests.api.conftest import World, create_open_wave, online_body, point_token
from tests.api.test_interviewer_pages import hidden, sign_in
from tests.api.test_pages import Form
from tests.api.test_phone import CSV_OK, import_csv

LIMIT = 3
RATE_LIMITED = "urn:sipas:problem:rate-limited"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, rate_limit_per_minute=LIMIT)  # as SIPAS_RATE_LIMIT=3 would


@pytest.fixture
async def other(world: World, settings: Settings, engine: Engine[Any]) -> AsyncIterator[World]:
    """A second application on the same database, with its own caches, committer and connection."""
    app = create_app(settings, engine)
    async with AsyncTestClient(app=app) as client:
        yield World(client=client, app=app, tokens=world.tokens, user_ids=world.user_ids)


async def _device(world: World, point: str = "A1-Q1") -> tuple[int, str]:
    created = await world.client.post(
        "/api/v1/kiosk-devices", json={"service_point": point, "name": "Tab"}, headers=world.auth("agency")
    )
    assert created.status_code == 201, created.text
    return int(created.json()["device"]["id"]), str(created.json()["token"])


def _assert_limited(response: Any) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["type"] == RATE_LIMITED
    assert 1 <= int(response.headers["retry-after"]) <= 60


@pytest.mark.parametrize("fast", [True, False], ids=["fast-path", "handler"])
async def test_invented_device_headers_do_not_escape_the_points_limit(
    world: World, monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    monkeypatch.setattr(submissions_route, "FAST_PATH_ENABLED", fast)
    await create_open_wave(world)
    token = await point_token(world)
    responses = [
        await world.client.post(
            "/api/v1/submissions",
            json=online_body(token),
            headers={"X-Kiosk-Device": secrets.token_urlsafe(16)},
        )
        for _ in range(LIMIT + 2)
    ]
    assert [r.status_code for r in responses] == [201] * LIMIT + [429, 429]
    _assert_limited(responses[-1])
    assert await Submission.count() == LIMIT


async def test_kiosk_submissions_count_per_registered_device(world: World) -> None:
    await create_open_wave(world)
    token = await point_token(world)
    (_, first), (_, second) = await _device(world), await _device(world)
    post = world.client.post
    kiosk = [
        await post(
            "/api/v1/submissions", json=online_body(token, channel="kiosk"), headers={"X-Kiosk-Device": d}
        )
        for d in [first] * (LIMIT + 1) + [second]
    ]
    assert [r.status_code for r in kiosk] == [201] * LIMIT + [429, 201]
    _assert_limited(kiosk[LIMIT])
    # an invented device is not a fresh limit key but an unknown device
    invented = await post(
        "/api/v1/submissions", json=online_body(token, channel="kiosk"), headers={"X-Kiosk-Device": "made-up"}
    )
    assert invented.status_code == 401
    # the point's online limit is its own
    assert (await post("/api/v1/submissions", json=online_body(token))).status_code == 201
    assert await Submission.count() == LIMIT + 2


async def test_form_posts_are_limited(world: World) -> None:
    await create_open_wave(world)
    token = await point_token(world)
    statuses = []
    for _ in range(LIMIT + 1):
        form = Form(world, token)
        await form.open()
        await form.post({"RATING": "3"})
        assert "Xem lại câu trả lời" in form.html  # the review screen
        review = form.state
        statuses.append((await form.post({}, action="submit")).status_code)
    assert statuses == [303] * LIMIT + [429]
    assert "Nơi này vừa nhận rất nhiều phiếu" in form.html
    assert await Submission.count() == LIMIT
    # pressing "Send" again on the kept review screen: still refused, with the time to wait
    again = await world.client.post(f"/f/{token}", data={"_state": review, "_action": "submit"})
    assert again.status_code == 429 and 1 <= int(again.headers["retry-after"]) <= 60
    # the JSON API counts against the same limit
    assert (await world.client.post("/api/v1/submissions", json=online_body(token))).status_code == 429
    assert await Submission.count() == LIMIT


async def test_interviewer_screens_share_the_points_limit(world: World) -> None:
    await create_open_wave(world, channels=("online", "kiosk", "phone"))
    imported: Any = await import_csv(world, CSV_OK)
    assert imported.status_code == 201
    token = await point_token(world)
    for _ in range(LIMIT):
        assert (await world.client.post("/api/v1/submissions", json=online_body(token))).status_code == 201
    await sign_in(world)
    url = "/i/W1/C1/form"  # C1 belongs to A1-Q1
    fields = hidden((await world.client.get(url)).text)
    review = await world.client.post(url, data={**fields, "_action": "next", "RATING": "3"})
    done = await world.client.post(url, data={**hidden(review.text), "_action": "submit"})
    assert done.status_code == 429 and "Vui lòng gửi lại sau" in done.text
    assert await Submission.count() == LIMIT
    contact = await Contact.select(Contact.status).where(Contact.code == "C1").first()
    assert contact is not None and contact["status"] != "complete"


async def test_the_limit_holds_across_two_applications(world: World, other: World) -> None:
    await create_open_wave(world)
    token_a1, token_a2 = await point_token(world), await point_token(world, "A2-Q1")
    # one after the other, alternating between the two processes
    alternating = [
        await client.post("/api/v1/submissions", json=online_body(token_a1))
        for client in [world.client, other.client] * (LIMIT + 1)
    ]
    assert sorted(r.status_code for r in alternating) == [201] * LIMIT + [429] * (LIMIT + 2)
    # all at once (group commit puts several in one transaction, in both processes)
    bodies = [online_body(token_a2) for _ in range(4 * LIMIT)]
    together = await asyncio.gather(
        *(
            (world.client if i % 2 else other.client).post("/api/v1/submissions", json=body)
            for i, body in enumerate(bodies)
        )
    )
    assert sorted(r.status_code for r in together) == [201] * LIMIT + [429] * (3 * LIMIT)
    assert await Submission.count() == 2 * LIMIT
    counts = await SubmissionRate.select(SubmissionRate.hits)
    assert sorted(c["hits"] for c in counts) == [LIMIT, LIMIT]


async def test_windows_replays_and_refusals(world: World) -> None:
    await create_open_wave(world)
    token = await point_token(world)
    now = [1_900_000_000.5]
    world.app.state.services.rate_limiter.clock = lambda: now[0]
    world.app.state.services.rate_limiter.per_minute = 1
    post = world.client.post
    invalid = await post("/api/v1/submissions", json=online_body(token, answers={"RATING": 9}))
    assert invalid.status_code == 422  # refused: does not count
    first = online_body(token)
    assert (await post("/api/v1/submissions", json=first)).status_code == 201
    over = await post("/api/v1/submissions", json=online_body(token))
    assert over.status_code == 429 and over.headers["retry-after"] == "60"
    assert (await post("/api/v1/submissions", json=first)).status_code == 200  # a replay still answers
    now[0] += 45
    later = await post("/api/v1/submissions", json=online_body(token))
    assert later.status_code == 429 and later.headers["retry-after"] == "15"
    now[0] += 15  # the window that began with the first stored submission has ended
    assert (await post("/api/v1/submissions", json=online_body(token))).status_code == 201
    world.app.state.services.rate_limiter.per_minute = 0  # off: nothing is counted or refused
    for _ in range(3):
        assert (await post("/api/v1/submissions", json=online_body(token))).status_code == 201
    assert await Submission.count() == 5
    assert (await SubmissionRate.select(SubmissionRate.hits).first()) == {"hits": 1}


async def test_a_batch_over_the_limit_stores_and_counts_only_what_fits(world: World) -> None:
    await create_open_wave(world)
    token = await point_token(world)
    service = world.app.state.services.submissions
    service.rate_limit.per_minute = 1
    await service.resolve(token)  # cached: the three requests below queue without waiting on a load

    def request(client_id: str) -> SubmissionRequest:
        return SubmissionRequest(
            client_id=client_id, token=token, answers={"RATING": 3}, channel="online", language="vi"
        )

    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    batches = service.committer.batches
    outcomes = await asyncio.gather(
        *(service.submit(request(i)) for i in (first, second, second)), return_exceptions=True
    )
    assert service.committer.batches == batches + 1  # one transaction decided all three
    assert not isinstance(outcomes[0], BaseException) and outcomes[0].created
    # the second is over the limit; its duplicate must not be answered as a replay of a row never stored
    assert [type(o).__name__ for o in outcomes[1:]] == ["RateLimited", "RateLimited"]
    assert all(1 <= o.retry_after <= 60 for o in outcomes[1:])  # type: ignore[union-attr]
    assert [r["client_id"] for r in await Submission.select(Submission.client_id)] == [first]
    assert (await SubmissionRate.select(SubmissionRate.hits).first()) == {"hits": 1}


async def test_a_revocation_through_one_application_bites_at_once_in_another(
    world: World, other: World
) -> None:
    await create_open_wave(world)
    token = await point_token(world)
    device_id, device = await _device(world)
    other.app.state.services.submissions.cache_seconds = 3600.0  # its device cache would still say "valid"
    headers = {"X-Kiosk-Device": device}
    kiosk = online_body(token, channel="kiosk")
    assert (await other.client.post("/api/v1/submissions", json=kiosk, headers=headers)).status_code == 201
    revoked = await world.client.post(
        f"/api/v1/kiosk-devices/{device_id}/revoke", headers=world.auth("agency")
    )
    assert revoked.status_code == 200
    refused = await other.client.post(
        "/api/v1/submissions", json=online_body(token, channel="kiosk"), headers=headers
    )
    assert refused.status_code == 401, refused.text
    assert refused.json()["type"] == "urn:sipas:problem:unauthenticated"
    assert "revoked" in refused.json()["detail"]
    assert await Submission.count() == 1


async def test_paper_keyings_are_counted_per_keyer_not_against_the_points_code(world: World) -> None:
    """Returned copies keyed by signed-in clerks must not be refused because the point's public code
    (QR, kiosk) used up its minute: the keyer is the key, so a flood still stops at the keyer's limit."""
    await create_open_wave(world, channels=("online", "kiosk", "paper"))
    token = await point_token(world)
    for _ in range(LIMIT):
        assert (await world.client.post("/api/v1/submissions", json=online_body(token))).status_code == 201
    assert (await world.client.post("/api/v1/submissions", json=online_body(token))).status_code == 429
    service = world.app.state.services.submissions
    keyer = world.user_ids["agency"]

    def keyed() -> SubmissionRequest:
        body = online_body(token)
        return SubmissionRequest(
            client_id=str(uuid.uuid4()),
            token=token,
            answers=body["answers"],
            channel="paper",
            language="vi",
            interviewer_id=keyer,
        )

    for _ in range(LIMIT):
        outcome = await service.submit(keyed())
        assert outcome.client_id
    with pytest.raises(Exception) as refused:
        await service.submit(keyed())
    assert "rate" in type(refused.value).__name__.lower()
    assert await Submission.count() == 2 * LIMIT
