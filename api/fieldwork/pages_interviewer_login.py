"""Interviewer sign-in and sign-out (``/i/login``, ``/i/logout``), with the login CSRF double submit."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import Cookie
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from api.fieldwork.pages_interviewer_base import (
    LOGIN_COOKIE,
    LOGIN_PATH,
    interviewer_session,
    log,
    render_page,
    to_login,
)
from api.services import services_of
from api.web.auth import ended_session_cookie, session_cookie
from api.web.csrf import csrf_ok, csrf_token
from api.web.pages_common import PAGE_HEADERS, secret_of
from survey_engine.errors import AuthenticationFailed

# -- sign in and out --------------------------------------------------------------------------------


def _login_form(
    request: Request[Any, Any, Any], error: str = "", email: str = "", notice: str = "", status: int = 200
) -> Template:
    nonce = secrets.token_urlsafe(24)
    secure = services_of(request).settings.base_url.startswith("https://")
    cookie = Cookie(
        key=LOGIN_COOKIE,
        value=nonce,
        httponly=True,
        secure=secure,
        samesite="strict",
        max_age=3600,
        path=LOGIN_PATH,
    )
    return render_page(
        "interviewer_login.html",
        {
            "user": None,
            "error": error,
            "email": email,
            "notice": notice,
            "csrf": csrf_token(secret_of(request), "login", nonce),
        },
        status,
        cookies=[cookie],
    )


@get(LOGIN_PATH, include_in_schema=False, name="interviewer_login")
async def login_page(
    request: Request[Any, Any, Any],
    expired: Annotated[str | None, QueryParameter(max_length=1)] = None,
    out: Annotated[str | None, QueryParameter(max_length=1)] = None,
) -> Template | Redirect:
    if await interviewer_session(request) is not None:
        return Redirect("/i", status_code=303, headers=PAGE_HEADERS)
    notice = ""
    if expired:
        notice = "Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại."
    elif out:
        notice = "Ông/Bà đã đăng xuất."
    return _login_form(request, notice=notice)


@post(LOGIN_PATH, include_in_schema=False, status_code=200, name="interviewer_login_post")
async def login_post(request: Request[Any, Any, Any]) -> Template | Redirect:
    raw = await request.form()
    email = str(raw.get("email") or "").strip()[:254]
    password = str(raw.get("password") or "")[:1024]
    nonce = request.cookies.get(LOGIN_COOKIE) or ""
    if not nonce or not csrf_ok(request, raw, "login", nonce):
        return _login_form(
            request,
            "Trang đăng nhập đã hết hạn hoặc không hợp lệ. Vui lòng nhập lại và bấm “Đăng nhập”.",
            email,
            status=400,
        )
    if not email or not password:
        return _login_form(request, "Vui lòng nhập thư điện tử và mật khẩu.", email, status=400)
    services = request.app.state.services
    try:
        token, actor = await services.staff.login(email, password, kind="session")
    except AuthenticationFailed as exc:
        if "locked" in exc.detail:
            message = (
                "Tài khoản tạm thời bị khóa do đăng nhập sai nhiều lần. Vui lòng thử lại sau 15 phút "
                "hoặc liên hệ quản trị viên."
            )
        else:
            message = "Thư điện tử hoặc mật khẩu không đúng."
        return _login_form(request, message, email, status=401)
    log.info("interviewer pages: %s signed in", actor.email)
    session = session_cookie(services.settings, token)
    spent = Cookie(key=LOGIN_COOKIE, value="", max_age=0, path=LOGIN_PATH)
    return Redirect("/i", status_code=303, headers=PAGE_HEADERS, cookies=[session, spent])


@post("/i/logout", include_in_schema=False, status_code=200, name="interviewer_logout")
async def logout_post(request: Request[Any, Any, Any]) -> Redirect:
    raw = await request.form()
    session = await interviewer_session(request)
    if session is None:
        return to_login()
    if not csrf_ok(request, raw, "logout", session[1]):
        return Redirect("/i", status_code=303, headers=PAGE_HEADERS)
    await services_of(request).staff.revoke_token(session[1])
    gone = ended_session_cookie()
    return Redirect(LOGIN_PATH + "?out=1", status_code=303, headers=PAGE_HEADERS, cookies=[gone])
