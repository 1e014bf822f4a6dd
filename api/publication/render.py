"""Rendering of the public results pages, and the in-memory cache of rendered pages per published version.

Pages are rendered from frozen snapshots only and kept as bytes under a key that names every version they
show (the wave's version and, for the trend, the previous wave's), so a new publication or correction
makes new keys and an old page is never served for a new version. The cache is bounded; a process keeps
at most ``PAGES_KEPT`` pages. Each page keeps its strong ETag (a digest of its bytes), computed once.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.web.i18n import PAGE, translator

__all__ = ["PAGES_KEPT", "PageCache", "Rendered", "render_page"]

PAGES_KEPT = 1024
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_ENVIRONMENT = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "svg"]), auto_reload=False
)


def render_page(template: str, lang: str, **context: Any) -> bytes:
    """A public results page (``lang``: vi | en), UTF-8."""
    t = translator(lang, PAGE)
    return _ENVIRONMENT.get_template(template).render(lang=lang, t=t, **context).encode("utf-8")


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered page or file and its strong entity tag (quoted, as sent in ``ETag``)."""

    body: bytes
    etag: str

    @classmethod
    def of(cls, body: bytes) -> Rendered:
        return cls(body, '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"')


class PageCache:
    """Rendered pages by key, least recently used dropped first."""

    def __init__(self, size: int = PAGES_KEPT) -> None:
        self.size = size
        self.pages: OrderedDict[Hashable, Rendered] = OrderedDict()

    async def rendered(self, key: Hashable, render: Callable[[], Awaitable[bytes]]) -> Rendered:
        kept = self.pages.get(key)
        if kept is not None:
            self.pages.move_to_end(key)
            return kept
        made = Rendered.of(await render())
        self.pages[key] = made
        while len(self.pages) > self.size:
            self.pages.popitem(last=False)
        return made

    async def get(self, key: Hashable, render: Callable[[], Awaitable[bytes]]) -> bytes:
        return (await self.rendered(key, render)).body
