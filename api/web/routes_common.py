"""Pieces shared by controllers: pagination parameters and row → Struct conversion."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

import msgspec
from litestar.params import PathParameter, QueryParameter

from api.web.schemas import PageOut
from survey_engine.errors import Page

Limit = Annotated[int, QueryParameter(ge=1, le=500, description="page size (1–500)")]
Offset = Annotated[int, QueryParameter(ge=0, le=2**31 - 1, description="rows to skip")]
# Row ids and version numbers in paths: bounded so that an absurd number is a 400, not a database overflow.
RowId = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]

S = TypeVar("S", bound=msgspec.Struct)


def to_struct(kind: type[S], row: dict[str, Any]) -> S:
    return msgspec.convert(row, kind, from_attributes=False, strict=False)


def to_output(kind: type[S], result: object) -> S:
    """A service's typed result (dataclasses, nested) as the response Struct, field by field."""
    return msgspec.convert(result, kind, from_attributes=True, strict=False)


def to_page(kind: type[S], page: Page) -> PageOut[S]:
    return PageOut(
        items=[to_struct(kind, item) for item in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )
