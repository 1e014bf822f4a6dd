"""Authentication (bearer token or session cookie) and role guards.

Guards authenticate and authorise in one step and leave the :class:`Actor` in ``request.state``;
handlers receive it through the ``actor`` dependency. A state-changing request authenticated by the
cookie must also show that it comes from this site (:func:`api.web.request_checks.check_cookie_write`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.handlers.base import BaseRouteHandler

from api.settings import Settings
from api.web.request_checks import check_cookie_write
from survey_engine.actors import Actor
from survey_engine.administration.staff import StaffService
from survey_engine.errors import AuthenticationFailed, Forbidden

SESSION_COOKIE = "sipas_session"


def session_cookie(settings: Settings, token: str) -> Cookie:
    """The browser session cookie: HTTP-only, Secure behind HTTPS, and SameSite=Lax so that a cross-site
    form cannot carry it (pages add CSRF tokens on top)."""
    return Cookie(
        key=SESSION_COOKIE,
        value=token,
        httponly=True,
        secure=settings.base_url.startswith("https://"),
        samesite="lax",
        max_age=settings.session_hours * 3600,
        path="/",
    )


def ended_session_cookie() -> Cookie:
    return Cookie(key=SESSION_COOKIE, value="", max_age=0, path="/")


Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


def presented_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = connection.headers.get("authorization", "")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise AuthenticationFailed("use 'Authorization: Bearer <token>'")
        return value.strip()
    return connection.cookies.get(SESSION_COOKIE) or None


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    cached = connection.state.get("actor")
    if isinstance(cached, Actor):
        return cached
    token = presented_token(connection)
    if token is None:
        raise AuthenticationFailed("sign in first: send a bearer token or the session cookie")
    if not connection.headers.get("authorization"):
        # The browser adds the cookie to requests from other sites' pages too: a write must prove its origin.
        check_cookie_write(connection)
    staff: StaffService = connection.app.state.services.staff
    actor = await staff.authenticate_token(token)
    connection.state.actor = actor
    return actor


READ_METHODS = ("GET", "HEAD")


def allow(*roles: str) -> Guard:
    """A guard admitting the given roles (401 when not signed in, 403 for other roles).

    The ministry's read-only national role reads wherever a statistician reads (every province) and is
    refused every write; one rule here rather than a role name added to each read route.
    """

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        actor = await authenticate(connection)
        if actor.read_only and "statistician" in roles and connection.scope.get("method") in READ_METHODS:
            return
        if actor.role not in roles:
            raise Forbidden(f"the {actor.role} role may not do this")

    guard.__name__ = "allow_" + "_".join(roles)
    return guard


# Every account, for what concerns the account itself (sign out, own name and password): the ministry too.
ALL_STAFF = ("admin", "statistician", "agency", "interviewer", "data_entry", "ministry")
ADMIN = allow("admin")
ANALYSTS = allow("admin", "statistician")
READERS = allow("admin", "statistician", "agency")  # interviewers only work in phone mode
AGENCY_EDITORS = allow("admin", "agency")
ANY_STAFF = allow(*ALL_STAFF)


async def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    return await authenticate(request)
