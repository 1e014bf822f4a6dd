"""The JSON API and browsers' sessions: cookie writes must come from this site, bodies must be JSON.

A page on another origin (another port of the same host is enough: the cookie is ``SameSite=Lax``, which
only stops other *sites*) posted JSON as ``text/plain`` with the console's cookie to ``POST /api/v1/users``
and created an administrator. These tests replay that attack and its variants.
"""

from __future__ import annotations

import re
import uuid

import pytest
from litestar.handlers import HTTPRouteHandler

import api.collection.routes_submissions as submissions_route
from api.web.auth import SESSION_COOKIE
from api.web.request_checks import CROSS_SITE_TYPE, is_json_media_type
from survey_engine.tables import Frame, ServicePoint, StaffUser, Submission
from tests.api.conftest import PASSWORD, World, create_open_wave

THIS_SITE = "http://testserver"  # the test settings' base URL and the test client's host
OTHER_PORT = "http://testserver:8081"
NEW_ADMIN = {"email": "mallory@example.org", "password": "mallory's password", "role": "admin"}


async def _console_session(world: World, email: str = "admin@example.org") -> str:
    """Sign in through the console's own form, as a browser does, and return the session cookie."""
    page = await world.client.get("/staff/login")
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    form = {"email": email, "password": PASSWORD, "_csrf": csrf}
    response = await world.client.post("/staff/login", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    token = str(world.client.cookies[SESSION_COOKIE])
    world.client.cookies.clear()  # each request below names its credentials
    return token


def _cookie(token: str, **headers: str) -> dict[str, str]:
    return {"Cookie": f"{SESSION_COOKIE}={token}", **headers}


async def _accounts() -> int:
    return int(await StaffUser.count())


async def _mallory_exists() -> bool:
    return bool(await StaffUser.exists().where(StaffUser.email == NEW_ADMIN["email"]))


async def test_the_text_plain_attack_with_the_console_cookie_creates_nobody(world: World) -> None:
    session = await _console_session(world)
    before = await _accounts()
    body = '{"email": "mallory@example.org", "password": "mallory\'s password", "role": "admin"}'
    # what a browser sends for a page at another port: fetch(..., {mode: "no-cors", credentials: "include"})
    # or a form with enctype="text/plain"; older browsers leave out Sec-Fetch-Site, very old ones Origin too
    variants: list[dict[str, str]] = [
        {"Origin": OTHER_PORT, "Sec-Fetch-Site": "same-site"},
        {"Origin": OTHER_PORT},
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        {},
    ]
    for extra in variants:
        response = await world.client.post(
            "/api/v1/users", content=body, headers=_cookie(session, **{"Content-Type": "text/plain", **extra})
        )
        assert response.status_code in (403, 415), (extra, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert await _accounts() == before and not await _mallory_exists()


async def test_a_foreign_origin_with_a_json_body_is_403(world: World) -> None:
    session = await _console_session(world)
    before = await _accounts()
    for extra in (
        {"Origin": OTHER_PORT},
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": OTHER_PORT, "X-Requested-With": "XMLHttpRequest"},  # the header does not excuse an origin
        {"Sec-Fetch-Site": "same-site", "Origin": THIS_SITE},
        {},  # no sign of where it comes from, no X-Requested-With
        {"Origin": "null"},
    ):
        response = await world.client.post("/api/v1/users", json=NEW_ADMIN, headers=_cookie(session, **extra))
        assert response.status_code == 403, (extra, response.text)
        problem = response.json()
        assert problem["type"] == CROSS_SITE_TYPE and problem["status"] == 403 and problem["detail"]
    assert await _accounts() == before and not await _mallory_exists()
    # the same applies to writes without a body (rotate-token) and to handlers that authenticate themselves
    point = await ServicePoint.select(ServicePoint.public_token).where(ServicePoint.code == "A1-Q1").first()
    assert point is not None
    rotated = await world.client.post(
        "/api/v1/service-points/A1-Q1/rotate-token", headers=_cookie(session, Origin=OTHER_PORT)
    )
    assert rotated.status_code == 403 and rotated.json()["type"] == CROSS_SITE_TYPE
    after = await ServicePoint.select(ServicePoint.public_token).where(ServicePoint.code == "A1-Q1").first()
    assert after == point


async def test_same_origin_cookie_requests_work(world: World) -> None:
    session = await _console_session(world)
    for n, extra in enumerate(
        (
            {"Origin": THIS_SITE, "Sec-Fetch-Site": "same-origin"},  # a browser's fetch from our own page
            {"Origin": THIS_SITE},
            {"Sec-Fetch-Site": "same-origin"},
            {"Origin": "null", "Sec-Fetch-Site": "same-origin"},
            {"X-Requested-With": "XMLHttpRequest"},  # a script signed in with the cookie
        )
    ):
        body = {**NEW_ADMIN, "email": f"colleague{n}@example.org", "role": "statistician"}
        response = await world.client.post("/api/v1/users", json=body, headers=_cookie(session, **extra))
        assert response.status_code == 201, (extra, response.text)
    rotated = await world.client.post(
        "/api/v1/service-points/A1-Q1/rotate-token",
        headers=_cookie(session, Origin=THIS_SITE, **{"Sec-Fetch-Site": "same-origin"}),
    )
    assert rotated.status_code == 200
    # reads are not writes: a cookie GET needs no proof (the page's own links, downloads)
    assert (await world.client.get("/api/v1/users", headers=_cookie(session))).status_code == 200


async def test_bearer_requests_are_unaffected_but_need_a_json_body(world: World) -> None:
    before = await _accounts()
    plain = await world.client.post(
        "/api/v1/users",
        content=b'{"email": "x@example.org", "password": "a long enough password", "role": "admin"}',
        headers={**world.auth("admin"), "Content-Type": "text/plain"},
    )
    assert plain.status_code == 415
    problem = plain.json()
    assert problem["type"] == "urn:sipas:problem:unsupported-media-type" and "text/plain" in problem["detail"]
    assert await _accounts() == before
    # a script's origin does not matter: the bearer token is not sent by browsers on their own
    response = await world.client.post(
        "/api/v1/users", json=NEW_ADMIN, headers={**world.auth("admin"), "Origin": OTHER_PORT}
    )
    assert response.status_code == 201
    # JSON under another application/*+json name and with a charset is JSON
    patched = await world.client.patch(
        f"/api/v1/users/{response.json()['id']}",
        content=b'{"display_name": "M"}',
        headers={**world.auth("admin"), "Content-Type": "application/merge-patch+json; charset=utf-8"},
    )
    assert patched.status_code == 200 and patched.json()["display_name"] == "M"


async def test_login_and_logout_keep_working_for_scripts_and_browsers(world: World) -> None:
    login = {"email": "statistician@example.org", "password": PASSWORD}
    as_text = await world.client.post(
        "/api/v1/auth/login", content=str(login).replace("'", '"'), headers={"Content-Type": "text/plain"}
    )
    assert as_text.status_code == 415
    script = await world.client.post("/api/v1/auth/login", json=login)
    assert script.status_code == 200
    session = str(world.client.cookies[SESSION_COOKIE])
    world.client.cookies.clear()
    bearer = {"Authorization": f"Bearer {script.json()['token']}"}
    # another origin cannot sign the browser out
    forged = await world.client.post("/api/v1/auth/logout", headers=_cookie(session, Origin=OTHER_PORT))
    assert forged.status_code == 403
    assert (await world.client.get("/api/v1/auth/me", headers=_cookie(session))).status_code == 200
    # the page itself can
    out = await world.client.post(
        "/api/v1/auth/logout", headers=_cookie(session, Origin=THIS_SITE, **{"Sec-Fetch-Site": "same-origin"})
    )
    assert out.status_code == 204
    assert (await world.client.get("/api/v1/auth/me", headers=_cookie(session))).status_code == 401
    assert (await world.client.post("/api/v1/auth/logout", headers=bearer)).status_code == 204
    assert (await world.client.get("/api/v1/auth/me", headers=bearer)).status_code == 401


async def test_phone_entries_with_the_cookie_need_this_site(world: World) -> None:
    """The submission handler authenticates staff itself (phone and paper): the same rule applies."""
    await create_open_wave(world, channels=("online", "paper"))
    token = (await world.client.get("/api/v1/service-points/A1-Q1", headers=world.auth("admin"))).json()[
        "token"
    ]
    session = await _console_session(world, "interviewer@example.org")
    body = {"id": str(uuid.uuid4()), "token": token, "answers": {"RATING": 3}, "channel": "paper"}
    forged = await world.client.post(
        "/api/v1/submissions", json=body, headers=_cookie(session, Origin=OTHER_PORT)
    )
    assert forged.status_code == 403 and forged.json()["type"] == CROSS_SITE_TYPE
    assert await Submission.count() == 0
    own = await world.client.post(
        "/api/v1/submissions", json=body, headers=_cookie(session, **{"Sec-Fetch-Site": "same-origin"})
    )
    assert own.status_code == 201, own.text


@pytest.mark.parametrize("fast", [True, False])
async def test_submissions_in_text_plain_are_415_on_both_paths(
    world: World, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(submissions_route, "FAST_PATH_ENABLED", fast)
    await create_open_wave(world)
    token = (await world.client.get("/api/v1/service-points/A1-Q1", headers=world.auth("admin"))).json()[
        "token"
    ]
    body = f'{{"id": "{uuid.uuid4()}", "token": "{token}", "answers": {{"RATING": 3}}, "channel": "online"}}'
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {"Content-Type": content_type} if content_type else {}
        response = await world.client.post("/api/v1/submissions", content=body, headers=headers)
        assert response.status_code == 415, (content_type, response.text)
        assert response.json()["type"] == "urn:sipas:problem:unsupported-media-type"
    assert await Submission.count() == 0
    ok = await world.client.post(
        "/api/v1/submissions", content=body, headers={"Content-Type": "application/json"}
    )
    assert ok.status_code == 201


def _json_body_routes(world: World) -> list[tuple[str, str]]:
    routes = []
    for route in world.app.routes:
        for handler in getattr(route, "route_handlers", []):
            if (
                not isinstance(handler, HTTPRouteHandler)
                or "data" not in handler.parsed_fn_signature.parameters
            ):
                continue
            path = re.sub(r"\{(\w+):int\}", "1", route.path)
            path = re.sub(r"\{(\w+):\w+\}", "X", path)
            routes.extend((method, path) for method in sorted(handler.http_methods))
    return routes


async def test_every_json_route_refuses_other_bodies(world: World) -> None:
    routes = _json_body_routes(world)
    assert ("POST", "/api/v1/users") in routes and ("POST", "/api/v1/submissions") in routes
    assert len(routes) >= 20
    for method, path in routes:
        response = await world.client.request(
            method, path, content=b"{}", headers={**world.auth("admin"), "Content-Type": "text/plain"}
        )
        assert response.status_code == 415, (method, path, response.text)


async def test_csv_uploads_keep_their_content_type_and_the_cookie_rule(world: World) -> None:
    """A CSV upload is not a JSON endpoint (no 415), but a cookie upload is a write like any other."""
    await create_open_wave(world)
    session = await _console_session(world)
    csv = "dossier_code,agency,field,completed_on\nH-1,A1,Hộ tịch,2026-03-01\nH-2,A2,Đất đai,2026-03-02\n"
    headers = {"Content-Type": "text/csv"}
    forged = await world.client.post(
        "/api/v1/waves/W1/frame", content=csv.encode(), headers=_cookie(session, Origin=OTHER_PORT, **headers)
    )
    assert forged.status_code == 403 and await Frame.count() == 0
    own = await world.client.post(
        "/api/v1/waves/W1/frame", content=csv.encode(), headers=_cookie(session, Origin=THIS_SITE, **headers)
    )
    assert own.status_code == 201, own.text
    assert await Frame.count() == 1


@pytest.mark.parametrize(
    ("value", "json"),
    [
        ("application/json", True),
        ("Application/JSON; charset=utf-8", True),
        ("application/problem+json", True),
        ("text/plain", False),
        ("text/json", False),
        ("application/jsonp", False),
        ("multipart/form-data; boundary=x", False),
        ("", False),
    ],
)
def test_json_media_types(value: str, json: bool) -> None:
    assert is_json_media_type(value) is json
