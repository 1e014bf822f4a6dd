"""The submission route's fast path answers exactly as the full route handler does.

Each request is sent twice, once through the fast path and once with it switched off (the framework's
handler alone), with fresh ids where the case allows; status, problem document and headers must agree.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import api.collection.routes_submissions as submissions_route
from survey_engine.collection.receipts import sign_receipt
from survey_engine.tables import Submission, SubmissionRate
from tests.api.conftest import World, create_open_wave, point_token

IGNORED_HEADERS = {"content-length", "date"}


def _body(token: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "token": token,
        "answers": {"RATING": 3},
        "channel": "online",
        "language": "vi",
        "started_at": "2026-11-22T08:00:00+07:00",
        "submitted_at": "2026-11-22T08:02:30+07:00",
    }
    body.update(extra)
    return body


def _normalised(response: httpx.Response, ids: tuple[str, ...]) -> tuple[int, Any, dict[str, str]]:
    text = response.text
    for n, ident in enumerate(ids):
        text = text.replace(ident, f"<id{n}>").replace(ident.lower(), f"<id{n}>")
    try:
        document: Any = json.loads(text)
    except ValueError:
        document = text
    headers = {k: v for k, v in response.headers.items() if k not in IGNORED_HEADERS}
    return response.status_code, document, headers


Case = Callable[[str], tuple[bytes, dict[str, str]]]


def _json_case(**extra: Any) -> Callable[[str, str], tuple[bytes, dict[str, str]]]:
    def make(token: str, ident: str) -> tuple[bytes, dict[str, str]]:
        body = {**_body(token, id=ident), **extra}
        return json.dumps(body).encode(), {"content-type": "application/json"}

    return make


CASES: dict[str, Callable[[str, str], tuple[bytes, dict[str, str]]]] = {
    "accepted": _json_case(),
    "upper-case id": _json_case(),  # the id is sent upper-case below
    "lax bool": _json_case(complete="true"),
    "invalid answer": _json_case(answers={"RATING": 9, "COMMENT": 5}, language="en"),
    "unknown item": _json_case(answers={"NOPE": 1, "RATING": 2}),
    "bool for scale": _json_case(answers={"RATING": True}),
    "unknown field": _json_case(extra_field=1),
    "bad channel": _json_case(channel="carrier-pigeon"),
    "bad language": _json_case(language="fr"),
    "not a uuid": _json_case(id="not-a-uuid-but-long-enough-to-pass-x"),
    "short id": _json_case(id="x"),
    "unknown token": _json_case(token="unknown-token"),
    "stale version": _json_case(questionnaire_version="counter-3@0"),
    "before start": _json_case(submitted_at="2026-11-22T07:00:00+07:00"),
    "bad date": _json_case(started_at="yesterday"),
    "kiosk without device": _json_case(channel="kiosk"),
    "phone without staff": _json_case(channel="phone"),
    "contact on online": _json_case(contact="C-1"),
    "break-off": _json_case(answers={"COMMENT": "Chờ lâu quá"}, complete=False),
    "empty break-off": _json_case(answers={}, complete=False),
    "bad receipt": _json_case(receipt="nonsense"),
    "long dossier": _json_case(dossier_code="D" * 65),
    "anonymous dossier code": _json_case(dossier_code="H56-0001"),
    "control character": _json_case(answers={"RATING": 3, "COMMENT": "a\u0000b"}),
    "id without dashes": _json_case(),  # the id is sent without dashes below
    "answers not an object": _json_case(answers=[1, 2]),
    "malformed": lambda token, ident: (
        b'{"id": "' + ident.encode() + b'", ',
        {"content-type": "application/json"},
    ),
    "empty body": lambda token, ident: (b"", {"content-type": "application/json"}),
    "deeply nested answer": lambda token, ident: (
        json.dumps(_body(token, id=ident, answers={"RATING": "<nested>"}))
        .replace('"<nested>"', "[" * 5_000 + "]" * 5_000)
        .encode(),
        {"content-type": "application/json"},
    ),
    "array body": lambda token, ident: (b"[]", {"content-type": "application/json"}),
    "text/plain": lambda token, ident: (
        json.dumps(_body(token, id=ident)).encode(),
        {"content-type": "text/plain"},
    ),
    "json with charset": lambda token, ident: (
        json.dumps(_body(token, id=ident)).encode(),
        {"content-type": "application/json; charset=utf-8"},
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
async def test_fast_path_answers_as_the_handler(
    world: World, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await create_open_wave(world)
    token = await point_token(world)
    answers = []
    for fast in (False, True):
        monkeypatch.setattr(submissions_route, "FAST_PATH_ENABLED", fast)
        canonical = str(uuid.uuid4())
        ident = canonical
        if case == "upper-case id":
            ident = ident.upper()
        elif case == "id without dashes":
            ident = ident.replace("-", "")
        content, headers = CASES[case](token, ident)
        response = await world.client.post("/api/v1/submissions", content=content, headers=headers)
        answers.append(_normalised(response, (ident, canonical)))
    assert answers[0] == answers[1]


async def test_fast_path_replays_conflicts_and_limits_as_the_handler(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await create_open_wave(world)
    token = await point_token(world)
    runs = []
    for fast in (False, True):
        monkeypatch.setattr(submissions_route, "FAST_PATH_ENABLED", fast)
        await SubmissionRate.delete(force=True)  # a fresh window for each path
        # One: only stored submissions count (not the replay, not the conflicting body), so the limit is
        # reached by the first and refuses the fourth.
        world.app.state.services.rate_limiter.per_minute = 1
        receipt = sign_receipt(world.app.state.services.settings.secret_key, f"H-{fast}", "A1-Q1")
        body = _body(token, receipt=receipt)
        post = world.client.post
        first = await post("/api/v1/submissions", json=body)
        replay = await post("/api/v1/submissions", json=body)
        other_body = await post("/api/v1/submissions", json={**body, "answers": {"RATING": 1}})
        limited = await post("/api/v1/submissions", json=_body(token))
        ids = (body["id"],)
        runs.append([_normalised(r, ids) for r in (first, replay, other_body, limited)])
        assert [r.status_code for r in (first, replay, other_body, limited)] == [201, 200, 409, 429]
        assert int(limited.headers["retry-after"]) >= 1
        world.app.state.services.rate_limiter.per_minute = 0
        dossier = await post("/api/v1/submissions", json=_body(token, receipt=receipt))
        runs[-1].append(_normalised(dossier, ()))
        assert dossier.status_code == 409
    assert runs[0] == runs[1]
    assert await Submission.count() == 2


async def test_fast_path_kiosk_device_header(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    await create_open_wave(world)
    created = await world.client.post(
        "/api/v1/kiosk-devices", json={"service_point": "A1-Q1", "name": "Tab"}, headers=world.auth("agency")
    )
    device = created.json()["token"]
    token, other = await point_token(world), await point_token(world, "A2-Q1")
    runs = []
    for fast in (False, True):
        monkeypatch.setattr(submissions_route, "FAST_PATH_ENABLED", fast)
        ok = _body(token, channel="kiosk")
        results = [
            await world.client.post("/api/v1/submissions", json=ok, headers={"X-Kiosk-Device": device}),
            await world.client.post(
                "/api/v1/submissions", json=_body(other, channel="kiosk"), headers={"X-Kiosk-Device": device}
            ),
            await world.client.post(
                "/api/v1/submissions", json=_body(token, channel="kiosk"), headers={"X-Kiosk-Device": "nope"}
            ),
        ]
        runs.append([_normalised(r, (ok["id"],)) for r in results])
        assert [r.status_code for r in results] == [201, 401, 401]
    assert runs[0] == runs[1]


async def test_common_submissions_take_the_fast_path(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    await create_open_wave(world)
    token = await point_token(world)
    callers: list[str] = []
    original = submissions_route.submission_request

    def spy(*args: Any) -> Any:
        callers.append(sys._getframe(1).f_code.co_name)
        return original(*args)

    monkeypatch.setattr(submissions_route, "submission_request", spy)
    assert (await world.client.post("/api/v1/submissions", json=_body(token))).status_code == 201
    monkeypatch.setattr(submissions_route, "FAST_PATH_ENABLED", False)
    assert (await world.client.post("/api/v1/submissions", json=_body(token))).status_code == 201
    assert callers == ["__call__", "submit"]
