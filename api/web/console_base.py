"""The machinery every console page shares: who is signed in, role checks, CSRF, rendering, redirects.

Console pages live under ``/staff`` and are server-rendered; they use the same ``sipas_session`` cookie
as ``POST /api/v1/auth/login`` (the cookie only: never a bearer header, so a page cannot be driven by a
leaked script token). Every POST carries the session's CSRF token (:data:`CSRF_PURPOSE`) and must come
from this site. Handlers declare ``staff: NamedDependency[Staff]`` and call :meth:`Staff.need` with the
roles allowed; domain errors raised by services become HTML pages (see :data:`EXCEPTION_HANDLERS`).
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.exceptions import ValidationException
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from api.services import services_of
from api.web.auth import SESSION_COOKIE
from api.web.csrf import csrf_ok, csrf_token
from api.web.i18n import has, translator
from api.web.pages_common import PAGE_HEADERS, secret_of
from reports.numbers import Language, format_count, format_number, format_percent
from survey_engine.actors import Actor
from survey_engine.administration import waves
from survey_engine.errors import AuthenticationFailed, Conflict, Forbidden, NotFound

log = logging.getLogger("sipas.console")

ROOT = "/staff"
LOGIN_PATH = "/staff/login"
LANG_COOKIE = "sipas_lang"
CSRF_PURPOSE = "console"
VN = timezone(timedelta(hours=7), "ICT")  # Vietnam: UTC+7 all year
ALL_ROLES = ("admin", "statistician", "agency", "interviewer", "data_entry")
READERS = ("admin", "statistician", "agency")


@dataclass(frozen=True)
class NavItem:
    key: str
    href: str
    roles: tuple[str, ...]


# The console's sections in menu order, with the roles that see each one.
NAV: tuple[NavItem, ...] = (
    NavItem("nav_home", ROOT, ALL_ROLES),
    NavItem("nav_results", f"{ROOT}/results", READERS),
    NavItem("nav_waves", f"{ROOT}/waves", READERS),
    NavItem("nav_releases", f"{ROOT}/releases", ("admin", "statistician")),
    NavItem("nav_fieldwork", f"{ROOT}/fieldwork", ("admin", "statistician")),
    NavItem("nav_paper", f"{ROOT}/paper", ("admin", "statistician", "data_entry")),
    NavItem("nav_agencies", f"{ROOT}/agencies", READERS),
    NavItem("nav_kiosks", f"{ROOT}/kiosks", READERS),  # statisticians read, as in the API
    NavItem("nav_webhooks", f"{ROOT}/webhooks", ("admin", "agency")),  # deliveries carry comments
    NavItem("nav_counter", f"{ROOT}/counter", READERS),
    NavItem("nav_officers", f"{ROOT}/officers", ("agency",)),
    NavItem("nav_api_keys", f"{ROOT}/api-keys", ("admin",)),
    NavItem("nav_users", f"{ROOT}/users", ("admin",)),
    NavItem("nav_provinces", f"{ROOT}/provinces", ("admin",)),
    NavItem("nav_audit", f"{ROOT}/audit", ("admin",)),
    NavItem("nav_phone", "/i", ("admin", "statistician", "interviewer")),
)


class SignInRequired(Exception):
    """No valid session: the page redirects to the sign-in form and back afterwards."""

    def __init__(self, back: str = ROOT) -> None:
        super().__init__("sign in first")
        self.back = back


class PageForbidden(Exception):
    """The signed-in role may not see this page (403 page)."""


class StaleForm(Exception):
    """A POST without this session's CSRF token or from another site (400 page; nothing is changed)."""


@dataclass(frozen=True)
class Staff:
    """The signed-in staff member on a console page."""

    actor: Actor
    token: str
    lang: Language
    csrf: str
    path: str = ""
    query: Mapping[str, str] = field(default_factory=dict)
    reading: bool = False  # a GET page, not a posted form: the ministry may read what a statistician reads

    @property
    def role(self) -> str:
        return self.actor.role

    @property
    def email(self) -> str:
        return self.actor.email

    @property
    def t(self) -> Callable[..., str]:
        return translator(self.lang)

    def need(self, *roles: str) -> None:
        """Raise :class:`PageForbidden` unless the signed-in role is one of ``roles`` (the read-only ministry
        reads the pages a statistician reads and posts no form)."""
        if self.actor.read_only and self.reading and "statistician" in roles:
            return
        if self.actor.role not in roles:
            raise PageForbidden(self.actor.role)

    def may(self, *roles: str) -> bool:
        return self.actor.role in roles


def lang_of(request: Request[Any, Any, Any]) -> Language:
    return "en" if request.cookies.get(LANG_COOKIE) == "en" else "vi"


def _local_path(request: Request[Any, Any, Any]) -> str:
    path = request.url.path
    return path + (f"?{request.url.query}" if request.url.query else "")


async def provide_staff(request: Request[Any, Any, Any]) -> Staff:
    """The ``staff`` dependency: the session cookie's actor, or :class:`SignInRequired`."""
    token = request.cookies.get(SESSION_COOKIE)
    back = _local_path(request) if request.method == "GET" else ROOT
    if not token:
        raise SignInRequired(back)
    try:
        actor = await services_of(request).staff.authenticate_token(token)
    except AuthenticationFailed as exc:
        raise SignInRequired(back) from exc
    staff = Staff(
        actor=actor,
        token=token,
        lang=lang_of(request),
        csrf=csrf_token(secret_of(request), CSRF_PURPOSE, token),
        path=request.url.path,
        query=dict(request.query_params),
        reading=request.method in ("GET", "HEAD"),
    )
    request.state.console_staff = staff
    return staff


async def posted(request: Request[Any, Any, Any], staff: Staff, own_account: bool = False) -> Any:
    """The posted form (url-encoded or multipart) after its CSRF check; raises :class:`StaleForm`, and
    :class:`PageForbidden` for the read-only ministry (no console form changes anything for it but the
    forms of its own session and password, ``own_account``)."""
    if staff.actor.read_only and not own_account:
        raise PageForbidden(staff.actor.role)
    raw = await request.form()
    if not csrf_ok(request, raw, CSRF_PURPOSE, staff.token):
        raise StaleForm()
    return raw


def safe_back(value: str | None, default: str = ROOT) -> str:
    """A redirect target from user input: only a path inside the console (no scheme, no host)."""
    if not value:
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or "\\" in value or any(ord(ch) < 32 for ch in value):
        return default
    path = parts.path
    # no dot segments or empty segments: "/staff/../api" must not leave the console
    if posixpath.normpath(path) != path.rstrip("/") or "//" in path:
        return default
    if path != ROOT and not path.startswith(ROOT + "/"):
        return default
    return value


def nav_for(staff: Staff) -> list[dict[str, Any]]:
    items = []
    for item in NAV:
        # the read-only ministry sees the sections a statistician reads
        reads = staff.actor.read_only and "statistician" in item.roles
        if staff.role not in item.roles and not reads:
            continue
        current = staff.path == item.href or (item.href != ROOT and staff.path.startswith(item.href + "/"))
        items.append({"label": staff.t(item.key), "href": item.href, "current": current})
    return items


def page(
    staff: Staff | None,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    lang: Language = "vi",
    cookies: list[Cookie] | None = None,
) -> Template:
    """Render ``console/<template>`` with the chrome (menu, language switch, sign-out form)."""
    lang = staff.lang if staff else lang
    t = translator(lang)
    done = staff.query.get("done", "") if staff else ""
    chrome: dict[str, Any] = {
        "lang": lang,
        "t": t,
        "staff": staff,
        "nav": nav_for(staff) if staff else [],
        "csrf": staff.csrf if staff else "",
        "role_label": t(f"role_{staff.role}") if staff else "",
        "done": t(f"done_{done}") if done and has(f"done_{done}") else "",
        "here": _here(staff),  # the template URL-encodes it once
        "vn_time": vn_time,
        "num": partial(format_count, lang=lang),
        "pct": partial(format_percent, lang=lang),
        "dec": partial(format_number, lang=lang),
    }
    return Template(
        template_name=f"console/{template}",
        context={**chrome, **(context or {})},
        status_code=status,
        headers=PAGE_HEADERS,
        cookies=cookies or [],
    )


def _here(staff: Staff | None) -> str:
    if staff is None:
        return ROOT
    query = {k: v for k, v in staff.query.items() if k != "done"}
    return staff.path + (f"?{urlencode(query)}" if query else "")


def redirect(path: str, done: str | None = None, cookies: list[Cookie] | None = None) -> Redirect:
    """303 to ``path`` (a console path), with a one-time confirmation message key ``done``."""
    if done:
        path += ("&" if "?" in path else "?") + urlencode({"done": done})
    return Redirect(path, status_code=303, headers=PAGE_HEADERS, cookies=cookies or [])


def message(staff: Staff | None, title: str, body: str, status: int, lang: Language = "vi") -> Template:
    return page(staff, "message.html", {"title": title, "body": body}, status=status, lang=lang)


def aware(value: object) -> datetime | None:
    """SQLite returns timestamps naive (UTC) or as text; PostgreSQL aware."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def vn_time(value: object) -> str:
    """A timestamp as Vietnamese staff read it: ``14:05 22/11/2026`` in UTC+7 (empty for none)."""
    moment = aware(value)
    return moment.astimezone(VN).strftime("%H:%M %d/%m/%Y") if moment else ""


# -- lists and forms shared by the sections ------------------------------------------------------------

PageNo = Annotated[str | None, QueryParameter(name="page", max_length=9, description="page number, from 1")]


def page_number(value: str | None) -> int:
    """A page number from the address; anything odd is page 1 (a list, not an error)."""
    try:
        number = int(value or 1)
    except ValueError:
        return 1
    return max(1, min(number, 1_000_000))


def pager(path: str, params: Mapping[str, str | None], number: int, total: int, size: int) -> dict[str, Any]:
    """The ``m.pager`` dictionary: current page, page count, total and the neighbours' addresses."""
    pages = max(1, -(-total // size))
    kept = {k: v for k, v in params.items() if v}

    def url(n: int) -> str:
        return path + "?" + urlencode({**kept, "page": str(n)})

    return {
        "n": number,
        "pages": pages,
        "total": total,
        "prev": url(number - 1) if number > 1 else None,
        "next": url(number + 1) if number < pages else None,
    }


def text(raw: Any, name: str, limit: int = 1000) -> str:
    """A posted text field, trimmed (and cut at ``limit`` so a huge post cannot reach the checks)."""
    return str(raw.get(name) or "").strip()[:limit]


def dmy(value: object) -> str:
    """An ISO date (or timestamp) as Vietnamese staff write it: ``22/11/2026``."""
    text = str(value or "")[:10]
    parts = text.split("-")
    return f"{parts[2]}/{parts[1]}/{parts[0]}" if len(parts) == 3 else text


def label_of(staff: Staff, row: Mapping[str, Any] | object) -> str:
    """The name in the page language (Vietnamese when the English name is missing), of a listed row
    (a mapping) or a service's record (attributes ``name_vi`` and ``name_en``)."""
    if isinstance(row, Mapping):
        name_vi, name_en = row.get("name_vi"), row.get("name_en")
    else:
        name_vi, name_en = getattr(row, "name_vi", None), getattr(row, "name_en", None)
    if staff.lang == "en" and name_en:
        return str(name_en)
    return str(name_vi or "")


async def response_counts(staff: Staff, codes: list[str]) -> dict[str, int]:
    """Complete responses per wave, as far as ``staff`` may see them."""
    return await waves.response_counts(staff.actor, codes)


# -- errors as pages ----------------------------------------------------------------------------------


def _staff_of(request: Request[Any, Any, Any]) -> Staff | None:
    """The staff member :func:`provide_staff` found for this request, if it got that far."""
    staff = request.state.get("console_staff")
    return staff if isinstance(staff, Staff) else None


def _sign_in(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    return Redirect(
        LOGIN_PATH + "?" + urlencode({"next": safe_back(exc.back)}), status_code=303, headers=PAGE_HEADERS
    )


def _error_page(
    request: Request[Any, Any, Any], kind: str, status: int, body: str | None = None
) -> Response[Any]:
    staff = _staff_of(request)
    lang = staff.lang if staff else lang_of(request)
    t = translator(lang)
    return message(staff, t(f"{kind}_title"), body if body is not None else t(f"{kind}_body"), status, lang)


def _forbidden(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    return _error_page(request, "forbidden", 403)


def _not_found(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    return _error_page(request, "not_found", 404)


def _stale(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    return _error_page(request, "stale_form", 400)


def _bad_request(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    return _error_page(request, "bad_request", 400)


def _too_large(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    return _error_page(request, "too_large", 413)


def _conflict(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # Conflict details are written for API users (English); the title is in the page language.
    return _error_page(request, "conflict", 409, str(getattr(exc, "detail", "")))


EXCEPTION_HANDLERS: dict[type[Exception] | int, Callable[..., Any]] = {
    ValidationException: _bad_request,  # a malformed address or query parameter
    413: _too_large,
    SignInRequired: _sign_in,
    PageForbidden: _forbidden,
    Forbidden: _forbidden,
    NotFound: _not_found,
    StaleForm: _stale,
    Conflict: _conflict,
}
