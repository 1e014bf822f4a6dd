"""Published pages answered from memory before any per-request work, and their conditional requests.

A public results page is a function of its address and of what is published (the list of published
versions, their frozen snapshots): nothing else goes into it (no session, no cookie, no clock). So once a
handler has answered 200 for an address, the exact answer (status line, headers, body) is kept here under
the address and the generation of :class:`~survey_engine.publication.public.PublicResults` it was made
under. The next request for the same address is answered by :func:`serve_ready_pages`, a middleware on the
public handlers, before the request object, the guards, the parameters or the handler: while that
generation is current and the list of published versions is fresh (re-read every few seconds, so another
worker's or ``sipas publish``'s publication is seen within that time). Otherwise the request goes through
the handler as usual, which re-reads the list when it is due.

Only the canonical addresses are kept (no query, ``lang=en`` or ``lang=vi``), and at most ``SERVED_KEPT``
of them, so odd query strings cannot fill the memory. Every page carries a strong ETag (a digest of its
bytes): ``If-None-Match`` with it answers 304 without a body, on both paths.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.publication.render import Rendered
from survey_engine.publication.public import PublicResults

__all__ = [
    "SERVED_KEPT",
    "ServedPages",
    "etag_matches",
    "not_modified_headers",
    "raw_headers",
    "serve_ready_pages",
]

SERVED_KEPT = 2048
CANONICAL_QUERIES = frozenset({b"", b"lang=en", b"lang=vi"})
# Headers a 304 repeats from the 200 it stands for (RFC 9110 § 15.4.5), and the security headers.
_KEPT_ON_304 = frozenset(
    {
        b"cache-control",
        b"etag",
        b"content-security-policy",
        b"x-content-type-options",
        b"x-frame-options",
        b"referrer-policy",
        b"cross-origin-opener-policy",
        b"cross-origin-resource-policy",
        b"access-control-allow-origin",
    }
)


def etag_matches(if_none_match: str | bytes | None, etag: str | bytes) -> bool:
    """``If-None-Match`` names this entity tag (weak comparison, as RFC 9110 § 13.1.2 asks), or is ``*``."""
    if not if_none_match:
        return False
    wanted = if_none_match.encode("latin-1") if isinstance(if_none_match, str) else if_none_match
    tag = etag.encode("latin-1") if isinstance(etag, str) else etag
    for candidate in wanted.split(b","):
        candidate = candidate.strip()
        if candidate == b"*" or candidate.removeprefix(b"W/") == tag:
            return True
    return False


@dataclass(frozen=True, slots=True)
class Ready:
    """One address's answer, ready to send, and the generation of the published list it shows."""

    generation: int
    etag: bytes
    headers: list[tuple[bytes, bytes]]
    not_modified_headers: list[tuple[bytes, bytes]]
    body: bytes


class ServedPages:
    """Ready answers by address (path and canonical query), least recently used dropped first."""

    def __init__(self, public: PublicResults, size: int = SERVED_KEPT) -> None:
        self.public = public
        self.size = size
        self.ready: OrderedDict[tuple[str, bytes], Ready] = OrderedDict()

    def remember(
        self, scope: Scope, generation: int, headers: list[tuple[bytes, bytes]], page: Rendered
    ) -> None:
        """Keep a 200 answer for its address (only GET, only the canonical queries)."""
        query = scope.get("query_string", b"")
        if scope.get("method") != "GET" or query not in CANONICAL_QUERIES:
            return
        key = (scope["path"], query)
        self.ready[key] = Ready(
            generation=generation,
            etag=page.etag.encode("latin-1"),
            headers=headers,
            not_modified_headers=not_modified_headers(headers),
            body=page.body,
        )
        while len(self.ready) > self.size:
            self.ready.popitem(last=False)

    def lookup(self, scope: Scope) -> Ready | None:
        """The kept answer for this request, if it is still what the handler would answer."""
        if scope.get("method") != "GET":
            return None
        found = self.ready.get((scope["path"], scope.get("query_string", b"")))
        if found is None or found.generation != self.public.generation or not self.public.fresh():
            return None
        return found


def not_modified_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    return [h for h in headers if h[0] in _KEPT_ON_304]


def _if_none_match(scope: Scope) -> bytes | None:
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            return bytes(value)
    return None


def serve_ready_pages(app: ASGIApp) -> ASGIApp:
    """Middleware of the public pages: a kept answer goes out at once; anything else reaches the handler."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        served: ServedPages = scope["litestar_app"].state.services.served_pages
        ready = served.lookup(scope)
        if ready is None:
            await app(scope, receive, send)
            return
        start: Message
        if etag_matches(_if_none_match(scope), ready.etag):
            start = {"type": "http.response.start", "status": 304, "headers": ready.not_modified_headers}
            await send(start)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        start = {"type": "http.response.start", "status": 200, "headers": ready.headers}
        await send(start)
        await send({"type": "http.response.body", "body": ready.body, "more_body": False})

    return middleware


def raw_headers(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    """Headers as ASGI sends them (lower-case names, latin-1)."""
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
