"""System API keys: an administrator creates one for a named system (a one-stop dossier system), scoped to
one agency or the whole province; the key is shown once and only its SHA-256 is kept.

A key is presented as ``Authorization: Bearer sk_…``; the ``sk_`` prefix tells it from a staff bearer
token (which never starts so: staff tokens are URL-safe base64 of random bytes, and the prefix is checked
first). Every use is checked against the database (a revocation stops the key at once in every process),
counted against a per-key request limit in the database (the ``submission_rate`` table of
:mod:`survey_engine.collection.ratelimit`, key ``k:<id>``: every process counts against the same number),
and written once to the audit log by the caller when the request is done (:meth:`ApiKeyService.record_use`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from survey_engine import audit, tenancy
from survey_engine.actors import Actor
from survey_engine.collection import ratelimit
from survey_engine.errors import AuthenticationFailed, FieldProblem, InvalidInput, NotFound, RateLimited
from survey_engine.security import TOKEN_BYTES, hash_token
from survey_engine.tables import Agency, ApiKey, Province

KEY_PREFIX = "sk_"
SHOWN_PREFIX = 10  # "sk_" and 7 characters: enough to tell keys apart in a list, far too few to guess one
NAME_MAX = 100
REVOKED = "this API key is not valid or has been revoked"
KEY_RATE_LIMITED = "too many requests with this API key; try again shortly"

# One request of a key, counted in its window (``ratelimit.UPSERT_SET``: a constant; values are bound).
_COUNT_USE = (
    "INSERT INTO submission_rate (rate_key, window_start_ms, hits) VALUES ({}, {}, 1) "  # noqa: S608
    + ratelimit.UPSERT_SET
)

KEY_COLUMNS = (
    ApiKey.id,
    ApiKey.name,
    ApiKey.prefix,
    ApiKey.agency.code.as_alias("agency"),
    ApiKey.created_at,
    ApiKey.last_used_at,
    ApiKey.revoked_at,
    ApiKey.province.code.as_alias("province"),
)


@dataclass(frozen=True)
class ApiKeyRecord:
    """A key as lists show it: never the key, only its first characters."""

    id: int
    name: str
    prefix: str
    agency: str | None  # None: the whole province
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    province: str | None = None  # None only in a database without provinces (see the 2026-12-07 data step)

    @classmethod
    def of(cls, row: dict[str, Any]) -> ApiKeyRecord:
        return cls(
            id=int(row["id"]),
            name=str(row["name"]),
            prefix=str(row["prefix"]),
            agency=str(row["agency"]) if row["agency"] is not None else None,
            created_at=row["created_at"],
            last_used_at=row["last_used_at"],
            revoked_at=row["revoked_at"],
            province=row.get("province"),
        )

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "prefix": self.prefix,
            "agency": self.agency,
            "scope": "agency" if self.agency else "province",
            "province": self.province,
            "created_at": self.created_at.isoformat(),
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


@dataclass(frozen=True)
class SystemKey:
    """The system behind an authenticated key: what it may send ratings for."""

    id: int
    name: str
    prefix: str
    agency_id: int | None  # None: every agency of the key's province
    agency_code: str | None
    province_id: int | None = None  # None only in a database without provinces (every agency: none)

    @property
    def actor(self) -> Actor:
        """The audit log's actor for this key (no staff user: ``actor`` stays empty)."""
        return Actor(user_id=0, email=f"api-key:{self.prefix} {self.name}"[:254], role="system")


def looks_like_key(token: str) -> bool:
    return token.startswith(KEY_PREFIX)


class ApiKeyService:
    def __init__(self, requests_per_minute: int = 60) -> None:
        # Counted like the submissions' limit (wall-clock windows shared by every process); 0 turns it off.
        self.limit = ratelimit.SubmissionRateLimit(requests_per_minute)

    async def create(
        self, actor: Actor, name: str, agency: str | None, province: str | None = None
    ) -> tuple[ApiKeyRecord, str]:
        """A new key for ``name``, scoped to ``agency`` (a code) or, with None, the whole province (the
        actor's own, or ``province`` named by a national administrator; the only one by default).
        Returns the record and the key, which is shown once: only its hash is stored."""
        tenancy.refuse_read_only(actor)
        name = name.strip()
        problems = []
        if not name:
            problems.append(FieldProblem("name", "required", "required"))
        elif len(name) > NAME_MAX:
            problems.append(FieldProblem("name", f"at most {NAME_MAX} characters"))
        agency_id = province_id = None
        if agency is not None:
            row = await Agency.select(Agency.id, Agency.province).where(Agency.code == agency).first()
            if row is None or not tenancy.sees(actor, row["province"]):
                problems.append(FieldProblem("agency", f"no agency with code {agency}", "unknown"))
            else:
                agency_id, province_id = int(row["id"]), row["province"]
        if problems:
            raise InvalidInput("the API key is not valid", problems)
        if agency_id is None:
            province_id = await tenancy.province_for_new(actor, province)
        key = KEY_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
        inserted = await ApiKey.insert(
            ApiKey(
                name=name,
                prefix=key[:SHOWN_PREFIX],
                key_hash=hash_token(key),
                agency=agency_id,
                province=province_id,
                created_at=datetime.now(UTC),
                created_by=actor.user_id or None,
            )
        ).returning(ApiKey.id)
        key_id = int(inserted[0]["id"])
        await audit.record(
            actor, "create", "api_key", str(key_id), {"name": name, "agency": agency or "province"}
        )
        return await self.get(key_id), key

    async def get(self, key_id: int, actor: Actor | None = None) -> ApiKeyRecord:
        """One key; with ``actor``, as it may see it (another province's key: not found)."""
        query = ApiKey.select(*KEY_COLUMNS).where(ApiKey.id == key_id)
        if actor is not None:
            query = tenancy.in_scope(query, actor, ApiKey.province)
        row = await query.first()
        if row is None:
            raise NotFound(f"no API key {key_id}")
        return ApiKeyRecord.of(row)

    async def list(self, include_revoked: bool = True, actor: Actor | None = None) -> list[ApiKeyRecord]:
        """The keys (with ``actor``: those of its province, every one for a national account)."""
        query = ApiKey.select(*KEY_COLUMNS).order_by(ApiKey.id)
        if actor is not None:
            query = tenancy.in_scope(query, actor, ApiKey.province)
        if not include_revoked:
            query = query.where(ApiKey.revoked_at.is_null())
        return [ApiKeyRecord.of(r) for r in await query]

    async def revoke(self, actor: Actor, key_id: int) -> ApiKeyRecord:
        tenancy.refuse_read_only(actor)
        key = await self.get(key_id, actor)
        if key.revoked_at is None:
            await ApiKey.update({ApiKey.revoked_at: datetime.now(UTC)}).where(ApiKey.id == key_id)
            await audit.record(actor, "revoke", "api_key", str(key_id), {"name": key.name})
        return await self.get(key_id)

    async def authenticate(self, key: str) -> SystemKey:
        """The system behind ``key``, read from the database on every use (a revoked key stops at once),
        after counting this request against the key's per-minute limit (RateLimited past it)."""
        if not looks_like_key(key) or len(key) > 100:
            raise AuthenticationFailed(REVOKED)
        row = (
            await ApiKey.select(
                ApiKey.id,
                ApiKey.name,
                ApiKey.prefix,
                ApiKey.agency,
                ApiKey.agency.code.as_alias("agency_code"),
                ApiKey.province,
                ApiKey.revoked_at,
            )
            .where(ApiKey.key_hash == hash_token(key))
            .first()
        )
        if row is None or row["revoked_at"] is not None:
            raise AuthenticationFailed(REVOKED)
        province = row["province"]
        if province is None and row["agency"] is None:
            # A province key made in a database without provinces (the data step of 2026-12-07 had none to
            # give it): that database's data went to the first province (the tenancy data step), so the key
            # is that province's, never every province's.
            first = await Province.select(Province.id).order_by(Province.id).first()
            province = first["id"] if first else None
        found = SystemKey(
            id=int(row["id"]),
            name=str(row["name"]),
            prefix=str(row["prefix"]),
            agency_id=int(row["agency"]) if row["agency"] is not None else None,
            agency_code=str(row["agency_code"]) if row["agency_code"] is not None else None,
            province_id=int(province) if province is not None else None,
        )
        await self._count(found)
        return found

    async def _count(self, key: SystemKey) -> None:
        # One upsert, atomic on both engines: concurrent requests of every process count the same row.
        quota = self.limit.quota()
        if quota is not None:
            rows = await ApiKey.raw(
                _COUNT_USE,
                f"k:{key.id}",
                quota.window_start_ms,
            )
            window_start, hits = int(rows[0]["window_start_ms"]), int(rows[0]["hits"])
            if hits > quota.per_minute:
                raise RateLimited(KEY_RATE_LIMITED, quota.retry_after(window_start))
        await ApiKey.update({ApiKey.last_used_at: datetime.now(UTC)}).where(ApiKey.id == key.id)

    async def record_use(self, key: SystemKey, what: str, details: dict[str, object]) -> None:
        """The one audit row of a request made with ``key`` (counts only: never a dossier or an answer)."""
        await audit.record(key.actor, what, "api_key", str(key.id), details)
