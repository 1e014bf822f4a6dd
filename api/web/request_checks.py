"""Two checks on JSON API requests that protect browsers' sessions from other sites.

1. **JSON bodies only.** A handler that takes a JSON body answers 415 to a body sent as anything but
   ``application/json`` or ``application/*+json``. Litestar decodes the body whatever its declared type, so a
   page on another origin could post JSON as ``text/plain`` (a "simple" request: no CORS preflight) and
   have it accepted. The check is an application guard, so it runs for every route, including the
   submission route when its fast path hands a non-JSON body to the handler.

2. **Cookie writes come from this site.** A state-changing request (any method but GET, HEAD, OPTIONS,
   TRACE) that authenticates by the ``sipas_session`` cookie rather than an ``Authorization: Bearer``
   header is refused (403, ``urn:sipas:problem:cross-site-request``) unless

   - ``Sec-Fetch-Site``, when sent, is ``same-origin`` (``same-site`` is refused: another port of the same
     host is another origin);
   - ``Origin``, when sent (and not ``null``), is this site's origin (``SIPAS_BASE_URL``'s, or the
     request's scheme and ``Host``);
   - and at least one of them says so positively, or the request carries ``X-Requested-With`` (any value).
     Browsers send ``Origin`` and ``Sec-Fetch-Site`` on their own; scripts that sign in with the cookie
     instead of the bearer token send ``X-Requested-With``. Another site's page cannot add that header
     without a CORS preflight, which this server never grants.

   :func:`api.web.auth.authenticate` applies it, so every guard and handler that authenticates does.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import BodyKwarg

from api.web.problems import problem_response

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSRF_HEADER = "x-requested-with"
CROSS_SITE_TYPE = "urn:sipas:problem:cross-site-request"


class CrossSiteRequest(Exception):
    """A cookie-authenticated write that does not show it comes from this site."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def site_origins(connection: ASGIConnection[Any, Any, Any, Any]) -> set[str]:
    """This site's origins: the configured base URL's, and the scheme and host the request was sent to."""
    parts = urlsplit(connection.app.state.services.settings.base_url)
    allowed = {f"{parts.scheme}://{parts.netloc}"}
    host = connection.headers.get("host")
    if host:
        allowed.add(f"{connection.url.scheme}://{host}")
    return allowed


def check_cookie_write(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Raise :class:`CrossSiteRequest` unless a state-changing cookie request shows it comes from this site
    (the rule in the module's docstring)."""
    if connection.scope.get("method", "GET") in SAFE_METHODS:
        return
    site = connection.headers.get("sec-fetch-site")
    if site is not None and site != "same-origin":
        raise CrossSiteRequest(f"a request from another site ({site}) may not use the session cookie")
    origin = connection.headers.get("origin")
    if origin is not None and origin != "null":
        if origin.rstrip("/") not in site_origins(connection):
            raise CrossSiteRequest("a request from another origin may not use the session cookie")
        return
    if site == "same-origin" or connection.headers.get(CSRF_HEADER):
        return
    raise CrossSiteRequest(
        "a change made with the session cookie must come from this site: browsers send Origin or "
        "Sec-Fetch-Site, scripts send X-Requested-With (or use the bearer token)"
    )


def cross_site_problem(request: Request[Any, Any, Any], exc: CrossSiteRequest) -> Response[dict[str, Any]]:
    response = problem_response(403, exc.detail, request)
    response.content.update(type=CROSS_SITE_TYPE, title="Cross-site request refused")
    return response


def _takes_json_body(handler: BaseRouteHandler) -> bool:
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return False
    kwarg = data.kwarg_definition
    # a ``data`` parameter without a Body marker is decoded as JSON as well
    return not isinstance(kwarg, BodyKwarg) or kwarg.media_type == RequestEncodingType.JSON


def is_json_media_type(content_type: str) -> bool:
    """``application/json`` or ``application/<anything>+json``, parameters (charset) aside."""
    media = content_type.split(";", 1)[0].strip().lower()
    kind, _, subtype = media.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


async def json_bodies_only(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Application guard: a body sent to a JSON handler must be declared as JSON (else 415)."""
    if not _takes_json_body(handler):
        return
    headers = connection.headers
    content_type = headers.get("content-type")
    has_body = headers.get("content-length", "0") != "0" or "transfer-encoding" in headers
    if content_type is None and not has_body:
        return  # no body at all: the handler's own validation answers
    if content_type is None or not is_json_media_type(content_type):
        sent = content_type.split(";", 1)[0].strip() if content_type else "no content type"
        raise HTTPException(status_code=415, detail=f"send the body as application/json, not {sent}")
