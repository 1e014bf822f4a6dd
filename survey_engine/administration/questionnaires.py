"""Questionnaires: drafts are editable; publishing freezes the draft as an immutable numbered version.

Provinces as tenants: every account reads every questionnaire (the library is shared, and a published
version is public anyway: the forms show it), but only the questionnaire's province's staff and national
accounts change it; a questionnaire without a province (the national library) only national accounts.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec

from survey_engine import audit, tenancy
from survey_engine.actors import Actor
from survey_engine.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound, Page
from survey_engine.questionnaire import (
    DefinitionError,
    dump_definition,
    load_definition,
)
from survey_engine.questionnaire import (
    Questionnaire as Definition,
)
from survey_engine.tables import Questionnaire, QuestionnaireVersion
from survey_engine.transactions import is_unique_violation, write_transaction


def parse_definition(definition: object, field: str = "definition") -> Definition:
    """Check a definition given as a JSON value; problems become per-field errors under ``field``."""
    try:
        # A JSON object is converted as it is; any other value is re-encoded so that a string is reported
        # as "not an object" rather than parsed as JSON text.
        if isinstance(definition, dict):
            return load_definition(definition)
        return load_definition(json.dumps(definition, ensure_ascii=False))
    except DefinitionError as exc:
        problems = [FieldProblem(f"{field}{p.path.lstrip('$')}", p.message) for p in exc.problems]
        raise InvalidInput("the questionnaire definition is not valid", problems) from exc


def definition_json(definition: Definition) -> object:
    return msgspec.json.decode(dump_definition(definition))


def version_label(code: str, version: int) -> str:
    """How clients name a published version, e.g. ``sipas-2023@1`` (a submission's questionnaire_version)."""
    return f"{code}@{version}"


@dataclass(frozen=True)
class VersionSummary:
    """A published version as the questionnaire lists it (without its definition)."""

    version: int
    checksum: str
    published_at: datetime


@dataclass(frozen=True)
class QuestionnaireRecord:
    """A questionnaire: its editable draft and the versions published from it, oldest first."""

    code: str
    title_vi: str
    title_en: str
    draft: dict[str, Any]
    versions: tuple[VersionSummary, ...]
    updated_at: datetime
    province: str | None = None  # the province whose staff change it; None: the national library


@dataclass(frozen=True)
class QuestionnaireVersionRecord:
    """One published, immutable version; ``label`` is how clients name it (``code@version``)."""

    code: str
    label: str
    version: int
    checksum: str
    published_at: datetime
    definition: dict[str, Any]


class QuestionnaireService:
    async def list(self, limit: int, offset: int) -> Page:
        rows = (
            await Questionnaire.select(
                Questionnaire.id,
                Questionnaire.code,
                Questionnaire.title_vi,
                Questionnaire.title_en,
                Questionnaire.updated_at,
                Questionnaire.province.code.as_alias("province_code"),
            )
            .order_by(Questionnaire.code)
            .limit(limit)
            .offset(offset)
        )
        ids = [row["id"] for row in rows]
        versions: dict[int, list[int]] = {i: [] for i in ids}
        if ids:
            for v in await QuestionnaireVersion.select(
                QuestionnaireVersion.questionnaire, QuestionnaireVersion.version
            ).where(QuestionnaireVersion.questionnaire.is_in(ids)):
                versions[v["questionnaire"]].append(v["version"])
        items = [
            {
                "code": row["code"],
                "title_vi": row["title_vi"],
                "title_en": row["title_en"],
                "versions": sorted(versions[row["id"]]),
                "updated_at": row["updated_at"],
                "province": row["province_code"],
            }
            for row in rows
        ]
        return Page(items=items, total=await Questionnaire.count(), limit=limit, offset=offset)

    async def _row(self, code: str) -> dict[str, Any]:
        row = (
            await Questionnaire.select(
                *Questionnaire.all_columns(), Questionnaire.province.code.as_alias("province_code")
            )
            .where(Questionnaire.code == code)
            .output(load_json=True)
            .first()
        )
        if row is None:
            raise NotFound(f"no questionnaire with code {code}")
        return row

    async def _changeable(self, actor: Actor, code: str) -> dict[str, Any]:
        """The row of a questionnaire ``actor`` may change (Forbidden for another province's, or for the
        national library's when the actor is a province's)."""
        row = await self._row(code)
        if actor.province_scoped and row["province"] != actor.province_id:
            if row["province"] is None and await tenancy.sole_province() is not None:
                return row  # one province, no other tenant: the national library is its library too
            if row["province"] is None:
                raise Forbidden(
                    f"questionnaire {code} is in the national library: only a national account may change "
                    "it; create a questionnaire of your province's own to change"
                )
            raise Forbidden(f"questionnaire {code} belongs to another province: only its staff may change it")
        return row

    @staticmethod
    async def _province_of_new(actor: Actor) -> int | None:
        """A province account's questionnaires are its province's. A national account's go to the only
        province of a single-province deployment (whose staff then change them, as they always did), and
        otherwise to the national library (which a province's staff also change while theirs is the only
        province: a questionnaire made before any province existed stays theirs to change)."""
        if actor.province_scoped:
            return actor.province_id
        return await tenancy.sole_province()

    async def get(self, code: str) -> QuestionnaireRecord:
        row = await self._row(code)
        versions = (
            await QuestionnaireVersion.select(
                QuestionnaireVersion.version, QuestionnaireVersion.checksum, QuestionnaireVersion.published_at
            )
            .where(QuestionnaireVersion.questionnaire == row["id"])
            .order_by(QuestionnaireVersion.version)
        )
        return QuestionnaireRecord(
            code=str(row["code"]),
            title_vi=str(row["title_vi"]),
            title_en=str(row["title_en"]),
            draft=row["draft_definition"],
            versions=tuple(
                VersionSummary(int(v["version"]), str(v["checksum"]), v["published_at"]) for v in versions
            ),
            updated_at=row["updated_at"],
            province=row["province_code"],
        )

    async def create(self, actor: Actor, definition: object) -> QuestionnaireRecord:
        parsed = parse_definition(definition)
        now = datetime.now(UTC)
        province = await self._province_of_new(actor)
        try:
            await Questionnaire.insert(
                Questionnaire(
                    code=parsed.id,
                    title_vi=parsed.title.vi,
                    title_en=parsed.title.en,
                    draft_definition=definition_json(parsed),
                    created_at=now,
                    updated_at=now,
                    province=province,
                )
            )
        except Exception as exc:
            if is_unique_violation(exc):
                raise Conflict(f"a questionnaire with code {parsed.id} already exists") from exc
            raise
        await audit.record(actor, "create", "questionnaire", parsed.id, {})
        return await self.get(parsed.id)

    async def update_draft(self, actor: Actor, code: str, definition: object) -> QuestionnaireRecord:
        row = await self._changeable(actor, code)
        parsed = parse_definition(definition)
        if parsed.id != code:
            raise InvalidInput(
                "the definition's id must stay the questionnaire's code",
                [FieldProblem("definition.id", f"must be {code}")],
            )
        await Questionnaire.update(
            {
                Questionnaire.draft_definition: definition_json(parsed),
                Questionnaire.title_vi: parsed.title.vi,
                Questionnaire.title_en: parsed.title.en,
                Questionnaire.updated_at: datetime.now(UTC),
            }
        ).where(Questionnaire.id == row["id"])
        await audit.record(actor, "update", "questionnaire", code, {})
        return await self.get(code)

    async def publish(self, actor: Actor, code: str) -> QuestionnaireVersionRecord:
        """Freeze the draft as version n+1, unless it equals the latest version (then return that one)."""
        row = await self._changeable(actor, code)
        definition = row["draft_definition"]
        parse_definition(definition)  # never publish something that no longer loads
        canonical = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        checksum = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        engine = Questionnaire._meta.db
        async with write_transaction(engine):
            latest = (
                await QuestionnaireVersion.select(QuestionnaireVersion.version, QuestionnaireVersion.checksum)
                .where(QuestionnaireVersion.questionnaire == row["id"])
                .order_by(QuestionnaireVersion.version, ascending=False)
                .first()
            )
            if latest is not None and latest["checksum"] == checksum:
                return await self.get_version(code, int(latest["version"]))
            number = 1 if latest is None else int(latest["version"]) + 1
            await QuestionnaireVersion.insert(
                QuestionnaireVersion(
                    questionnaire=row["id"],
                    version=number,
                    definition=definition,
                    checksum=checksum,
                    published_at=datetime.now(UTC),
                    published_by=actor.user_id or None,
                )
            )
        await audit.record(actor, "publish", "questionnaire", code, {"version": number})
        return await self.get_version(code, number)

    async def get_version(self, code: str, version: int) -> QuestionnaireVersionRecord:
        row = (
            await QuestionnaireVersion.select(
                QuestionnaireVersion.version,
                QuestionnaireVersion.definition,
                QuestionnaireVersion.checksum,
                QuestionnaireVersion.published_at,
            )
            .where(
                (QuestionnaireVersion.questionnaire.code == code) & (QuestionnaireVersion.version == version)
            )
            .output(load_json=True)
            .first()
        )
        if row is None:
            raise NotFound(f"questionnaire {code} has no published version {version}")
        return QuestionnaireVersionRecord(
            code=code,
            label=version_label(code, version),
            version=int(row["version"]),
            checksum=str(row["checksum"]),
            published_at=row["published_at"],
            definition=row["definition"],
        )

    async def delete(self, actor: Actor, code: str) -> None:
        row = await self._changeable(actor, code)
        if await QuestionnaireVersion.exists().where(QuestionnaireVersion.questionnaire == row["id"]):
            raise Conflict(f"questionnaire {code} has published versions, which are kept for ever")
        await Questionnaire.delete().where(Questionnaire.id == row["id"])
        await audit.record(actor, "delete", "questionnaire", code, {})
