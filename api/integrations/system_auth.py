"""Authentication of system API keys (``Authorization: Bearer sk_…``) on the system endpoints.

A key opens the system endpoints only; a staff token there is refused (401), and a key sent to a staff
endpoint finds no staff session (401): the two kinds are told apart by the key's ``sk_`` prefix.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from api.services import Services
from survey_engine.errors import AuthenticationFailed
from survey_engine.integrations.apikeys import SystemKey, looks_like_key

NEED_KEY = "send a system API key: 'Authorization: Bearer sk_…'"


async def system_key_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Admit a request carrying a live API key (checked in the database, counted against its limit)."""
    scheme, _sep, value = connection.headers.get("authorization", "").partition(" ")
    key = value.strip()
    if scheme.lower() != "bearer" or not looks_like_key(key):
        raise AuthenticationFailed(NEED_KEY)
    services: Services = connection.app.state.services
    connection.state.system_key = await services.api_keys.authenticate(key)


def system_key_of(connection: ASGIConnection[Any, Any, Any, Any]) -> SystemKey:
    found = connection.state.get("system_key")
    if not isinstance(found, SystemKey):  # the guard always sets it: a missing key is a wiring mistake
        raise AuthenticationFailed(NEED_KEY)
    return found
