"""The release API: prepare, approve, publish and correct a wave's released results (handlers mounted by
create_app).

Roles: a statistician or an administrator prepares (and corrects); only an administrator approves and
publishes, and never the person who prepared that version (403). Steps out of order answer 409
``urn:sipas:problem:release-state``. Every step is in the audit log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from msgspec import Meta

from api.services import services_of
from api.web.auth import ADMIN, ANALYSTS, READERS
from api.web.routes_common import RowId, to_output
from survey_engine.actors import Actor
from survey_engine.publication.releases import MAX_CHANGELOG

Changelog = Annotated[str, Meta(max_length=MAX_CHANGELOG)]


class PrepareIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Nothing is needed to prepare a first release; unknown fields are a client error."""


class CorrectionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The public changelog entry of a correction, in both languages."""

    changelog_vi: Annotated[str, Meta(min_length=1, max_length=MAX_CHANGELOG)]
    changelog_en: Annotated[str, Meta(min_length=1, max_length=MAX_CHANGELOG)]


class ReleaseOut(msgspec.Struct):
    wave: str
    version: int
    status: str
    snapshot_hash: str
    data_version: str
    changelog_vi: str
    changelog_en: str
    prepared_by: str
    prepared_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    published_by: str | None
    published_at: datetime | None


class SnapshotOut(msgspec.Struct):
    snapshot_hash: str
    snapshot: dict[str, Any]


class ReleaseController(Controller):
    path = "/api/v1/waves/{wave:str}/releases"
    tags = ["publication"]

    @get("/", summary="The wave's release versions, newest first", guards=[READERS])
    async def list_releases(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], wave: FromPath[str]
    ) -> list[ReleaseOut]:
        records = await services_of(request).releases.list(actor, wave)
        return [to_output(ReleaseOut, r) for r in records]

    @post(
        "/",
        summary="Prepare the wave's first release: estimate once and freeze a draft snapshot",
        guards=[ANALYSTS],
        status_code=201,
    )
    async def prepare(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        wave: FromPath[str],
        data: JSONBody[PrepareIn | None] = None,
    ) -> ReleaseOut:
        return to_output(ReleaseOut, await services_of(request).releases.prepare(actor, wave))

    @post(
        "/corrections",
        summary="Prepare a correction of published results: a new version with a public changelog entry",
        guards=[ANALYSTS],
        status_code=201,
    )
    async def correct(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        wave: FromPath[str],
        data: JSONBody[CorrectionIn],
    ) -> ReleaseOut:
        entry = {"vi": data.changelog_vi, "en": data.changelog_en}
        return to_output(ReleaseOut, await services_of(request).releases.correct(actor, wave, entry))

    @get("/{version:int}/snapshot", summary="A version's frozen snapshot, for review", guards=[ANALYSTS])
    async def snapshot(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        wave: FromPath[str],
        version: RowId,
    ) -> SnapshotOut:
        found = await services_of(request).releases.snapshot(actor, wave, version)
        return SnapshotOut(
            snapshot_hash=found["snapshot_hash"], snapshot=msgspec.json.decode(found["snapshot"])
        )

    @post(
        "/{version:int}/approve",
        summary="Approve a draft (an administrator other than who prepared it)",
        guards=[ADMIN],
        status_code=200,
    )
    async def approve(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        wave: FromPath[str],
        version: RowId,
    ) -> ReleaseOut:
        return to_output(ReleaseOut, await services_of(request).releases.approve(actor, wave, version))

    @post(
        "/{version:int}/publish",
        summary="Publish an approved version: it becomes public and is never changed again",
        guards=[ADMIN],
        status_code=200,
    )
    async def publish(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        wave: FromPath[str],
        version: RowId,
    ) -> ReleaseOut:
        return to_output(ReleaseOut, await services_of(request).releases.publish(actor, wave, version))
