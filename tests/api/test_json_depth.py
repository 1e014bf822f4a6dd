"""JSON bodies nested deeper than the limit are refused (422 problem details) on every JSON endpoint,
whatever their depth, through the submission fast path and the framework's handlers alike."""

from __future__ import annotations

import uuid

import pytest

import api.collection.routes_submissions as submissions_route
from api.web.json_body import MAX_JSON_DEPTH, nested_too_deep
from survey_engine.tables import Agency, AuditLog, KioskDevice, StaffUser, Submission
from tests.api.conftest import World, create_open_wave, point_token


def _nested(depth: int) -> str:
    """``depth`` arrays inside each other (built as text: json.dumps would itself hit the recursion limit)."""
    return "[" * depth + "]" * depth


def _submission(token: str, answer: str) -> str:
    ident = uuid.uuid4()
    return f'{{"id":"{ident}","token":"{token}","channel":"online","answers":{{"RATING":{answer}}}}}'


def _assert_too_deep(response: object) -> None:
    assert response.status_code == 422, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    problem = response.json()  # type: ignore[attr-defined]
    assert problem["type"] == "urn:sipas:problem:validation"
    assert problem["status"] == 422 and problem["detail"]
    assert problem["errors"] == [
        {
            "field": "",
            "message": f"the JSON body is nested more than {MAX_JSON_DEPTH} levels deep",
            "code": "too_deep",
        }
    ]


@pytest.mark.parametrize("depth", [1_000, 100_000])
@pytest.mark.parametrize("fast", [True, False], ids=["fast-path", "handler"])
async def test_deeply_nested_answers_are_refused(
    world: World, depth: int, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(submissions_route, "FAST_PATH_ENABLED", fast)
    await create_open_wave(world)
    body = _submission(await point_token(world), _nested(depth))
    response = await world.client.post(
        "/api/v1/submissions", content=body.encode(), headers={"content-type": "application/json"}
    )
    _assert_too_deep(response)
    assert await Submission.count() == 0


@pytest.mark.parametrize("depth", [1_000, 100_000])
@pytest.mark.parametrize(
    "path,template,role",
    [
        ("/api/v1/auth/login", '{{"email":{nested},"password":"x"}}', None),
        ("/api/v1/auth/login", "{nested}", None),
        (
            "/api/v1/agencies",
            '{{"code":"NEW","name_vi":"a","name_en":"b","level":"province","x":{nested}}}',
            "admin",
        ),
        ("/api/v1/users", '{{"email":"n@example.org","password":"long enough pw","role":{nested}}}', "admin"),
        ("/api/v1/questionnaires", '{{"definition":{nested}}}', "admin"),
        ("/api/v1/kiosk-devices", "{nested}", "agency"),
    ],
)
async def test_every_json_endpoint_refuses_deep_nesting(
    world: World, path: str, template: str, role: str | None, depth: int
) -> None:
    before = [await t.count() for t in (Agency, StaffUser, KioskDevice, AuditLog)]
    body = template.format(nested=_nested(depth))
    headers = {**world.auth(role), "content-type": "application/json"}
    _assert_too_deep(await world.client.post(path, content=body.encode(), headers=headers))
    assert [await t.count() for t in (Agency, StaffUser, KioskDevice, AuditLog)] == before


async def test_the_limit_is_exact_and_shallow_bodies_are_judged_as_before(world: World) -> None:
    """64 levels in all pass the depth check (and meet the usual validation); 65 do not."""
    admin = {**world.auth("admin"), "content-type": "application/json"}
    agency = '{"code":"NEW","name_vi":"a","name_en":"b","level":'
    at_limit = agency + _nested(MAX_JSON_DEPTH - 1) + "}"
    response = await world.client.post("/api/v1/agencies", content=at_limit.encode(), headers=admin)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "level"  # the ordinary field error
    over = agency + _nested(MAX_JSON_DEPTH) + "}"
    _assert_too_deep(await world.client.post("/api/v1/agencies", content=over.encode(), headers=admin))


def test_nesting_is_measured_without_recursion() -> None:
    deep: list[object] = []
    for _ in range(200_000):  # far deeper than the interpreter's recursion limit
        deep = [deep]
    assert nested_too_deep(b"[" * 200_001, deep)
    assert not nested_too_deep(b"[[[{}]]]", [[[{}]]])
    wide = {"a": [[1, 2], {"b": [3]}], "c": "[[[[[[[[[[[[[["}  # brackets inside strings do not count
    assert not nested_too_deep(b"[" * 100, wide, limit=4)
    assert nested_too_deep(b"[" * 100, wide, limit=3)
