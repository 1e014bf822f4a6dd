"""Sign in, sign out, password change, language choice and the overview page of the console."""

from __future__ import annotations

import logging
import secrets
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from api.services import services_of
from api.web.auth import SESSION_COOKIE, ended_session_cookie, session_cookie
from api.web.console_base import (
    LANG_COOKIE,
    LOGIN_PATH,
    ROOT,
    Staff,
    dmy,
    lang_of,
    nav_for,
    page,
    posted,
    redirect,
    response_counts,
    safe_back,
)
from api.web.csrf import csrf_ok, csrf_token
from api.web.i18n import translator
from api.web.pages_common import PAGE_HEADERS, secret_of
from survey_engine.administration.staff import LOCKOUT, MAX_FAILED_LOGINS
from survey_engine.errors import AuthenticationFailed, InvalidInput
from survey_engine.security import MIN_PASSWORD_LENGTH

log = logging.getLogger("sipas.console")

LOGIN_NONCE_COOKIE = "sipas_console_login"
Next = Annotated[str | None, QueryParameter(max_length=500, description="page to return to")]


def _login_page(
    request: Request[Any, Any, Any], next_path: str, error: str = "", email: str = "", notice: str = ""
) -> Template:
    nonce = secrets.token_urlsafe(24)
    secure = services_of(request).settings.base_url.startswith("https://")
    cookie = Cookie(
        key=LOGIN_NONCE_COOKIE,
        value=nonce,
        httponly=True,
        secure=secure,
        samesite="strict",
        max_age=3600,
        path=LOGIN_PATH,
    )
    t = translator(lang_of(request))
    return page(
        None,
        "login.html",
        {
            "title": t("login_title"),
            "error": error,
            "email": email,
            "notice": notice,
            "next": next_path,
            "here": f"{LOGIN_PATH}?{urlencode({'next': next_path})}",  # the language switch keeps next
            "login_csrf": csrf_token(secret_of(request), "console-login", nonce),
            "lockout_note": t("login_lockout_note", n=MAX_FAILED_LOGINS, minutes=_lockout_minutes()),
        },
        status=400 if error == t("login_stale") else (401 if error else 200),
        lang=lang_of(request),
        cookies=[cookie],
    )


def _lockout_minutes() -> int:
    return int(LOCKOUT.total_seconds() // 60)


@get(LOGIN_PATH, include_in_schema=False, name="console_login")
async def login_form(
    request: Request[Any, Any, Any], next: Next = None, out: Next = None
) -> Template | Redirect:
    if request.cookies.get(SESSION_COOKIE):
        try:
            await services_of(request).staff.authenticate_token(request.cookies[SESSION_COOKIE])
            return redirect(safe_back(next))
        except AuthenticationFailed:
            pass
    notice = translator(lang_of(request))("logged_out") if out else ""
    return _login_page(request, safe_back(next), notice=notice)


@post(LOGIN_PATH, include_in_schema=False, status_code=200, name="console_login_post")
async def login_post(request: Request[Any, Any, Any]) -> Template | Redirect:
    raw = await request.form()
    t = translator(lang_of(request))
    email = str(raw.get("email") or "").strip()[:254]
    password = str(raw.get("password") or "")[:1024]
    next_path = safe_back(str(raw.get("next") or ""))
    nonce = request.cookies.get(LOGIN_NONCE_COOKIE) or ""
    if not nonce or not csrf_ok(request, raw, "console-login", nonce):
        return _login_page(request, next_path, t("login_stale"), email)
    if not email or not password:
        return _login_page(request, next_path, t("login_missing"), email)
    services = request.app.state.services
    try:
        token, actor = await services.staff.login(email, password, kind="session")
    except AuthenticationFailed as exc:
        if "locked" in exc.detail:
            return _login_page(
                request, next_path, t("login_locked", n=MAX_FAILED_LOGINS, minutes=_lockout_minutes()), email
            )
        return _login_page(request, next_path, t("login_wrong"), email)
    log.info("console: user %s signed in", actor.user_id)
    session = session_cookie(services.settings, token)
    spent = Cookie(key=LOGIN_NONCE_COOKIE, value="", max_age=0, path=LOGIN_PATH)
    target = next_path
    if actor.role == "interviewer" and target == ROOT:
        target = "/i"  # interviewers work on the call list; the console only offers them a password change
    if actor.role == "data_entry" and target == ROOT:
        target = f"{ROOT}/paper"  # clerks key paper copies: straight to the waves they key
    return Redirect(target, status_code=303, headers=PAGE_HEADERS, cookies=[session, spent])


@post(f"{ROOT}/logout", include_in_schema=False, status_code=200, name="console_logout")
async def logout(request: Request[Any, Any, Any], staff: NamedDependency[Staff]) -> Redirect:
    await posted(request, staff, own_account=True)
    await services_of(request).staff.revoke_token(staff.token)
    gone = ended_session_cookie()
    return Redirect(LOGIN_PATH + "?out=1", status_code=303, headers=PAGE_HEADERS, cookies=[gone])


@get(f"{ROOT}/lang", include_in_schema=False, name="console_lang")
async def switch_language(
    request: Request[Any, Any, Any],
    to: Annotated[str, QueryParameter(max_length=2, description="vi or en")] = "vi",
    back: Next = None,
) -> Redirect:
    """Remember the interface language in a cookie (a preference, not a change of data) and go back."""
    lang = "en" if to == "en" else "vi"
    target = safe_back(back)
    cookie = Cookie(key=LANG_COOKIE, value=lang, max_age=365 * 86400, path="/", samesite="lax", httponly=True)
    return Redirect(target, status_code=303, headers=PAGE_HEADERS, cookies=[cookie])


def _password_page(staff: Staff, errors: dict[str, str] | None = None) -> Template:
    return page(
        staff,
        "password.html",
        {
            "title": staff.t("password_title"),
            "errors": errors or {},
            "hint": staff.t("password_hint", n=MIN_PASSWORD_LENGTH),
        },
        status=422 if errors else 200,
    )


@get(f"{ROOT}/password", include_in_schema=False, name="console_password")
async def password_form(staff: NamedDependency[Staff]) -> Template:
    return _password_page(staff)


@post(f"{ROOT}/password", include_in_schema=False, status_code=200, name="console_password_post")
async def password_post(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff]
) -> Template | Redirect:
    raw = await posted(request, staff, own_account=True)
    current = str(raw.get("current_password") or "")[:1024]
    new = str(raw.get("new_password") or "")[:1024]
    again = str(raw.get("confirm_password") or "")[:1024]
    t = staff.t
    errors: dict[str, str] = {}
    if len(new) < MIN_PASSWORD_LENGTH:
        errors["new_password"] = t("password_short", n=MIN_PASSWORD_LENGTH)
    elif len(new) > 256:
        errors["new_password"] = t("password_long")
    elif new.lower() == staff.email.lower():
        errors["new_password"] = t("password_is_email")
    elif new != again:
        errors["confirm_password"] = t("password_mismatch")
    if not current:
        errors["current_password"] = t("password_wrong")
    if errors:
        return _password_page(staff, errors)
    try:
        # this session stays signed in; the account's other sessions and tokens end
        await services_of(request).staff.change_own_password(
            staff.actor, current, new, keep_token=staff.token
        )
    except InvalidInput:
        return _password_page(staff, {"current_password": t("password_wrong")})
    return redirect(f"{ROOT}/password", done="password")


@get(ROOT, include_in_schema=False, name="console_home")
async def home(request: Request[Any, Any, Any], staff: NamedDependency[Staff]) -> Template:
    waves: list[dict[str, Any]] = []
    if staff.role != "interviewer":
        listed = await services_of(request).waves.list(staff.actor, 100, 0, status="open")
        codes = [str(w["code"]) for w in listed.items]
        counts = await response_counts(staff, codes) if codes else {}
        for w in listed.items:
            name = w.get("name_en") if staff.lang == "en" and w.get("name_en") else w.get("name_vi")
            waves.append(
                {
                    "code": w["code"],
                    "name": name,
                    "period": f"{dmy(w.get('period_start'))} – {dmy(w.get('period_end'))}",
                    "responses": counts.get(str(w["code"]), 0),
                }
            )
    sections = [item for item in nav_for(staff) if item["href"] != ROOT]
    return page(staff, "home.html", {"title": staff.t("home_title"), "waves": waves, "sections": sections})


@get(f"{ROOT}/{{rest:path}}", include_in_schema=False, name="console_not_found")
async def not_found(staff: NamedDependency[Staff], rest: FromPath[str]) -> Template:
    """Any other address under the console: a page (not JSON), after sign-in like every page."""
    return page(
        staff,
        "message.html",
        {"title": staff.t("not_found_title"), "body": staff.t("not_found_body")},
        status=404,
    )


SESSION_HANDLERS = [
    not_found,
    login_form,
    login_post,
    logout,
    switch_language,
    password_form,
    password_post,
    home,
]
