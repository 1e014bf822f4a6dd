"""JSON request bodies with a nesting limit.

msgspec decodes nested arrays and objects recursively and, like Python code that walks the result, stops
at the interpreter's recursion limit: a body nested about a thousand levels deep raised ``RecursionError``
inside Litestar's decoder (and the submission fast path's), which surfaced as a 500. No request of this
API nests deeper than a handful of levels, so bodies deeper than :data:`MAX_JSON_DEPTH` are refused as
invalid (422) however deep they are, whether the decoder gave up or not: the answer does not depend on how
deep the server's own stack happened to be, and nothing downstream (validation, hashing, storage) ever
walks a deeply nested value.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import ClientException

MAX_JSON_DEPTH = 64
TOO_DEEP = f"the JSON body is nested more than {MAX_JSON_DEPTH} levels deep"


class JsonTooDeep(ClientException):
    """The body nests arrays or objects deeper than :data:`MAX_JSON_DEPTH` (see ``api.web.problems``)."""

    status_code = 422

    def __init__(self) -> None:
        super().__init__(detail=TOO_DEEP)


def nested_too_deep(body: bytes, value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when ``value`` (decoded from ``body``) nests arrays and objects more than ``limit`` levels."""
    # A body with no more opening brackets than the limit cannot nest deeper (brackets inside strings
    # only make the count larger), so common bodies skip the walk.
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    level: list[Any] = [value] if isinstance(value, dict | list) else []
    depth = 0
    while level:  # breadth first, one level at a time: no recursion on hostile input
        depth += 1
        if depth > limit:
            return True
        level = [
            child
            for container in level
            for child in (container.values() if isinstance(container, dict) else container)
            if isinstance(child, dict | list)
        ]
    return False


class JsonLimitedRequest(Request[Any, Any, Any]):
    """The application's request class: ``json()`` refuses over-deep bodies with :class:`JsonTooDeep`."""

    async def json(self) -> Any:
        try:
            value = await super().json()
        except RecursionError:  # msgspec gave up: deeper than the stack allows, hence than the limit
            raise JsonTooDeep() from None
        if nested_too_deep(await self.body(), value):
            raise JsonTooDeep()
        return value
