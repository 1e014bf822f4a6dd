"""Driving the staff console over HTTP in tests: a signed-in client per role, CSRF tokens, page text."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from api.web.auth import SESSION_COOKIE
from api.web.console_base import CSRF_PURPOSE
from api.web.csrf import csrf_token
from tests.api.conftest import World


class Console:
    """One role's browser: its session cookie on every request and its CSRF token on every form."""

    def __init__(self, world: World, role: str, lang: str = "vi") -> None:
        self.world = world
        self.token = world.tokens[role]
        self.lang = lang
        secret = str(world.app.state.services.settings.secret_key)
        self.csrf = csrf_token(secret, CSRF_PURPOSE, self.token)

    def _headers(self) -> dict[str, str]:
        return {"Cookie": f"{SESSION_COOKIE}={self.token}; sipas_lang={self.lang}"}

    async def get(self, path: str, **params: Any) -> Any:
        return await self.world.client.get(
            path, params=params or None, headers=self._headers(), follow_redirects=False
        )

    async def post(self, path: str, data: dict[str, Any] | None = None, csrf: bool = True, **kw: Any) -> Any:
        form = dict(data or {})
        if csrf:
            form.setdefault("_csrf", self.csrf)
        kw.setdefault("follow_redirects", False)
        return await self.world.client.post(path, data=form, headers=self._headers(), **kw)


def text_of(html: str) -> str:
    """The visible text of a page, whitespace collapsed (scripts and styles dropped)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()
