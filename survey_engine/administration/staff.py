"""Staff accounts: creation, login with lockout, tokens and sessions."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.columns import Column
from piccolo.query.functions import Case, When
from piccolo.querystring import QueryString

from survey_engine import audit, tenancy
from survey_engine.actors import NATIONAL_ROLES, ROLES, Actor
from survey_engine.errors import (
    AuthenticationFailed,
    Conflict,
    FieldProblem,
    Forbidden,
    InvalidInput,
    NotFound,
    Page,
)
from survey_engine.security import PasswordHashing, hash_token, new_token, password_problems
from survey_engine.tables import Agency, ApiToken, StaffUser
from survey_engine.transactions import is_unique_violation, write_transaction

EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
MAX_FAILED_LOGINS = 10
LOCKOUT = timedelta(minutes=15)
log = logging.getLogger("sipas.staff")

USER_COLUMNS = (
    StaffUser.id,
    StaffUser.email,
    StaffUser.display_name,
    StaffUser.role,
    StaffUser.agency.code.as_alias("agency"),
    StaffUser.active,
    StaffUser.created_at,
    StaffUser.last_login_at,
    StaffUser.province.code.as_alias("province"),
)


@dataclass(frozen=True)
class StaffAccount:
    """A staff account as the services hand it out (never its password hash); ``agency`` is a code."""

    id: int
    email: str
    display_name: str
    role: str
    agency: str | None
    active: bool
    created_at: datetime
    last_login_at: datetime | None
    province: str | None = None  # None: a national account (the deployment's administrator, the ministry)

    @classmethod
    def of(cls, row: dict[str, Any]) -> StaffAccount:
        return cls(
            id=int(row["id"]),
            email=str(row["email"]),
            display_name=str(row["display_name"] or ""),
            role=str(row["role"]),
            agency=row["agency"],
            active=bool(row["active"]),
            created_at=row["created_at"],
            last_login_at=row["last_login_at"],
            province=row.get("province"),
        )


class StaffService:
    def __init__(self, hashing: PasswordHashing, session_hours: int = 12, bearer_days: int = 30) -> None:
        self.hashing = hashing
        self.session_lifetime = timedelta(hours=session_hours)
        self.bearer_lifetime = timedelta(days=bearer_days)

    # -- accounts ---------------------------------------------------------------------------------

    async def _check_role_agency(
        self, actor: Actor, role: str, agency_code: str | None
    ) -> tuple[int | None, int | None]:
        """The agency id and (for a role with an agency) that agency's province."""
        if role not in ROLES:
            raise InvalidInput("unknown role", [FieldProblem("role", f"must be one of {', '.join(ROLES)}")])
        if role == "agency" or (role == "data_entry" and agency_code):
            # A data-entry clerk may belong to an agency: waves that key by agency limit it to that agency.
            if not agency_code:
                raise InvalidInput(
                    "an agency user needs an agency", [FieldProblem("agency", "required for role agency")]
                )
            row = await Agency.select(Agency.id, Agency.province).where(Agency.code == agency_code).first()
            if row is None or not tenancy.sees(actor, row["province"]):
                raise InvalidInput(
                    "unknown agency", [FieldProblem("agency", f"no agency with code {agency_code}")]
                )
            return int(row["id"]), row["province"]
        if agency_code:
            raise InvalidInput(
                "only agency and data entry users belong to an agency",
                [FieldProblem("agency", "only for roles agency and data_entry")],
            )
        return None, None

    async def _placement(
        self, actor: Actor, role: str, agency_code: str | None, province_code: str | None
    ) -> tuple[int | None, int | None]:
        """The agency and province of an account with this role.

        National roles (the ministry; an administrator without a province) have neither; every other
        account is of one province: a province account's own, the named one, or its agency's.
        """
        agency_id, agency_province = await self._check_role_agency(actor, role, agency_code)
        if role in NATIONAL_ROLES:
            if actor.province_scoped:
                raise Forbidden(f"a province account may not create or grant the {role} role")
            if province_code:
                raise InvalidInput(
                    "a national role has no province", [FieldProblem("province", f"not for role {role}")]
                )
            return None, None
        if role == "admin" and not province_code and not actor.province_scoped:
            return None, None  # the deployment's administrator
        if province_code is None and agency_province is not None and not actor.province_scoped:
            return agency_id, int(agency_province)
        province_id = await tenancy.province_for_new(actor, province_code)
        if agency_id is not None and agency_province != province_id:
            raise InvalidInput(
                "the agency is of another province",
                [FieldProblem("agency", f"agency {agency_code} is not of the account's province")],
            )
        return agency_id, province_id

    async def create_user(
        self,
        actor: Actor,
        email: str,
        password: str,
        role: str,
        agency_code: str | None,
        display_name: str = "",
        province_code: str | None = None,
    ) -> StaffAccount:
        email = email.strip().lower()
        problems = []
        if not EMAIL_PATTERN.match(email):
            problems.append(FieldProblem("email", "is not an e-mail address"))
        problems += [FieldProblem("password", p) for p in password_problems(password, email)]
        if problems:
            raise InvalidInput("the account cannot be created", problems)
        tenancy.refuse_read_only(actor)
        agency_id, province_id = await self._placement(actor, role, agency_code, province_code)
        password_hash = await asyncio.to_thread(self.hashing.hash, password)
        try:
            await StaffUser.insert(
                StaffUser(
                    email=email,
                    display_name=display_name,
                    password_hash=password_hash,
                    role=role,
                    agency=agency_id,
                    province=province_id,
                    active=True,
                    failed_logins=0,
                    created_at=datetime.now(UTC),
                )
            )
        except Exception as exc:
            if is_unique_violation(exc):
                raise Conflict(f"an account with e-mail {email} already exists") from exc
            raise
        province = (await self.get_user_by_email(email)).province
        await audit.record(
            actor, "create", "user", email, {"role": role, "agency": agency_code, "province": province}
        )
        return await self.get_user_by_email(email)

    async def get_user_by_email(self, email: str) -> StaffAccount:
        row = await StaffUser.select(*USER_COLUMNS).where(StaffUser.email == email.strip().lower()).first()
        if row is None:
            raise NotFound("no such user")
        return StaffAccount.of(row)

    async def get_user(self, user_id: int, actor: Actor | None = None) -> StaffAccount:
        """One account; with ``actor``, as that actor may see it (another province's account: not found)."""
        query = StaffUser.select(*USER_COLUMNS).where(StaffUser.id == user_id)
        if actor is not None and actor.user_id != user_id:
            query = tenancy.in_scope(query, actor, StaffUser.province)
        row = await query.first()
        if row is None:
            raise NotFound("no such user")
        return StaffAccount.of(row)

    async def list_users(
        self,
        limit: int,
        offset: int,
        role: str | None = None,
        actor: Actor | None = None,
        province: str | None = None,
    ) -> Page:
        """Accounts; with ``actor``, those it may see (a province administrator: its province's)."""
        query = StaffUser.select(*USER_COLUMNS).order_by(StaffUser.id)
        count = StaffUser.count()
        if actor is not None:
            query = tenancy.in_scope(query, actor, StaffUser.province)
            count = tenancy.in_scope(count, actor, StaffUser.province)
        if province:
            query = query.where(StaffUser.province.code == province)
            count = count.where(StaffUser.province.code == province)
        if role:
            query = query.where(StaffUser.role == role)
            count = count.where(StaffUser.role == role)
        return Page(
            items=await query.limit(limit).offset(offset), total=await count, limit=limit, offset=offset
        )

    async def update_user(self, actor: Actor, user_id: int, changes: dict[str, object]) -> StaffAccount:
        """Apply ``changes`` (display_name, role, agency, active, password) all together or not at all.

        Disabling an account or resetting its password ends its sessions and tokens. The last active
        administrator can be neither disabled, given another role nor moved into a province
        (:class:`Conflict`): nobody could manage accounts any more.
        """
        if actor.user_id != user_id:  # one's own display name is not a change of the survey's data
            tenancy.refuse_read_only(actor)
        current = await self.get_user(user_id, actor)
        values: dict[Column | str, Any] = {}
        logged: dict[str, object] = {}
        if "display_name" in changes:
            values[StaffUser.display_name] = changes["display_name"]
            logged["display_name"] = changes["display_name"]
        role = str(changes.get("role", current.role))
        agency = changes.get("agency", current.agency)
        if "role" in changes or "agency" in changes or "province" in changes:
            province = changes.get("province", current.province if role not in NATIONAL_ROLES else None)
            agency_id, province_id = await self._placement(
                actor,
                role,
                agency if isinstance(agency, str) else None,
                province if isinstance(province, str) else None,
            )
            values[StaffUser.role] = role
            values[StaffUser.agency] = agency_id
            values[StaffUser.province] = province_id
            logged.update(role=role, agency=agency, province=province)
        disabled = "active" in changes and not changes["active"]
        if "active" in changes:
            values[StaffUser.active] = bool(changes["active"])
            logged["active"] = bool(changes["active"])
        if "password" in changes:
            # hashed before the transaction: no CPU work while holding the write lock
            values[StaffUser.password_hash] = await self._password_hash(
                str(changes["password"]), current.email
            )
            values[StaffUser.failed_logins] = 0
            logged["password"] = "changed"  # noqa: S105 - audit text, not a password
        if values:
            async with write_transaction(StaffUser._meta.db):
                leaves = disabled or (current.role == "admin" and role != "admin")
                if leaves or (current.role == "admin" and StaffUser.province in values):
                    await _keep_an_administrator(user_id, leaves, values.get(StaffUser.province, _KEEP))
                await StaffUser.update(values).where(StaffUser.id == user_id)
                if disabled or "password" in changes:
                    # whoever held the old password, or the disabled account, is out at once
                    await ApiToken.update({ApiToken.revoked: True}).where(ApiToken.user == user_id)
        if logged:
            await audit.record(actor, "update", "user", current.email, logged)
        return await self.get_user(user_id)

    async def _password_hash(self, password: str, email: str) -> str:
        problems = password_problems(password, email)
        if problems:
            raise InvalidInput(
                "the password is not acceptable", [FieldProblem("password", p) for p in problems]
            )
        return await asyncio.to_thread(self.hashing.hash, password)

    async def change_own_password(
        self, actor: Actor, current_password: str, new_password: str, keep_token: str | None = None
    ) -> None:
        """Change the signed-in account's password and end its other sessions and tokens.

        ``keep_token`` is the session or bearer token of the request making the change: it stays valid, so
        the person changing their password is not signed out; every other session of the account (another
        browser, a stolen cookie, a script's token) ends, as after an administrator's reset.
        """
        row = await StaffUser.select(StaffUser.password_hash).where(StaffUser.id == actor.user_id).first()
        if row is None:
            raise NotFound("no such user")
        ok = await asyncio.to_thread(self.hashing.verify, str(row["password_hash"]), current_password)
        if not ok:
            raise InvalidInput(
                "the current password is wrong", [FieldProblem("current_password", "is wrong")]
            )
        password_hash = await self._password_hash(new_password, actor.email)
        others = ApiToken.update({ApiToken.revoked: True}).where(ApiToken.user == actor.user_id)
        if keep_token:
            others = others.where(ApiToken.token_hash != hash_token(keep_token))
        async with write_transaction(StaffUser._meta.db):
            await StaffUser.update(
                {StaffUser.password_hash: password_hash, StaffUser.failed_logins: 0}
            ).where(StaffUser.id == actor.user_id)
            await others
        await audit.record(actor, "update", "user", actor.email, {"password": "changed"})

    # -- login and tokens -------------------------------------------------------------------------

    async def login(
        self, email: str, password: str, kind: str, now: datetime | None = None
    ) -> tuple[str, Actor]:
        """Check credentials and issue a token (``kind`` session or bearer). Locks after repeated failures."""
        now = now or datetime.now(UTC)
        email = email.strip().lower()
        row = (
            await StaffUser.select(
                StaffUser.id,
                StaffUser.password_hash,
                StaffUser.active,
                StaffUser.locked_until,
            )
            .where(StaffUser.email == email)
            .first()
        )
        if row is None:
            await asyncio.to_thread(self.hashing.dummy_verify, password)
            raise AuthenticationFailed("wrong e-mail or password")
        locked_until = _aware(row["locked_until"])
        if locked_until is not None and locked_until > now:
            raise AuthenticationFailed("the account is locked after repeated failed logins; try again later")
        ok = await asyncio.to_thread(self.hashing.verify, str(row["password_hash"]), password)
        if not ok or not row["active"]:
            await self._count_failure(int(row["id"]), now)
            raise AuthenticationFailed("wrong e-mail or password")
        await StaffUser.update(
            {StaffUser.failed_logins: 0, StaffUser.locked_until: None, StaffUser.last_login_at: now}
        ).where(StaffUser.id == row["id"])
        token = await self.issue_token(int(row["id"]), kind, now)
        actor = await self.actor_for_user(int(row["id"]))
        return token, actor

    async def _count_failure(self, user_id: int, now: datetime) -> None:
        """Count one failed login in the database itself and lock the account at the threshold.

        One UPDATE reads and writes the counter, so concurrent failures cannot overwrite each other's count
        (reading it first and writing it back let 60 parallel wrong passwords leave it at 1). Every
        ``MAX_FAILED_LOGINS``-th failure locks the account and starts the count again, as serial failures do.
        """
        last = StaffUser.failed_logins >= MAX_FAILED_LOGINS - 1  # the value before this failure
        rows = (
            await StaffUser.update(
                {
                    StaffUser.failed_logins: Case(When(last, _bound(0)), default=StaffUser.failed_logins + 1),
                    StaffUser.locked_until: Case(
                        When(last, _bound(now + LOCKOUT)), default=StaffUser.locked_until
                    ),
                }
            )
            .where(StaffUser.id == user_id)
            .returning(StaffUser.failed_logins)
        )
        if rows and int(rows[0]["failed_logins"]) == 0:
            log.warning("staff account %s locked after %s failed logins", user_id, MAX_FAILED_LOGINS)

    async def issue_token(self, user_id: int, kind: str, now: datetime | None = None) -> str:
        now = now or datetime.now(UTC)
        lifetime = self.session_lifetime if kind == "session" else self.bearer_lifetime
        token = new_token()
        await ApiToken.insert(
            ApiToken(
                user=user_id,
                token_hash=hash_token(token),
                kind=kind,
                created_at=now,
                expires_at=now + lifetime,
                revoked=False,
            )
        )
        return token

    async def actor_for_user(self, user_id: int) -> Actor:
        row = (
            await StaffUser.select(
                StaffUser.id,
                StaffUser.email,
                StaffUser.role,
                StaffUser.agency,
                StaffUser.agency.code,
                StaffUser.province,
                StaffUser.province.code,
            )
            .where(StaffUser.id == user_id)
            .first()
        )
        if row is None:
            raise AuthenticationFailed("no such user")
        return Actor(
            user_id=int(row["id"]),
            email=str(row["email"]),
            role=str(row["role"]),
            agency_id=row["agency"],
            agency_code=row["agency.code"],
            province_id=row["province"],
            province_code=row["province.code"],
        )

    async def authenticate_token(self, token: str, now: datetime | None = None) -> Actor:
        now = now or datetime.now(UTC)
        row = (
            await ApiToken.select(
                ApiToken.user,
                ApiToken.expires_at,
                ApiToken.revoked,
                ApiToken.user.active,
                ApiToken.user.email,
                ApiToken.user.role,
                ApiToken.user.agency,
                ApiToken.user._.agency.code,
                ApiToken.user.province,
                ApiToken.user._.province.code,
            )
            .where(ApiToken.token_hash == hash_token(token))
            .first()
        )
        if row is None or row["revoked"] or not row["user.active"]:
            raise AuthenticationFailed("the token is not valid")
        expires = _aware(row["expires_at"])
        if expires is None or expires <= now:
            raise AuthenticationFailed("the token has expired")
        return Actor(
            user_id=int(row["user"]),
            email=str(row["user.email"]),
            role=str(row["user.role"]),
            agency_id=row["user.agency"],
            agency_code=row["user.agency.code"],
            province_id=row["user.province"],
            province_code=row["user.province.code"],
        )

    async def locked_until(self, user_ids: list[int], now: datetime | None = None) -> dict[int, datetime]:
        """The accounts among ``user_ids`` that are locked now, with the end of their lockout."""
        if not user_ids:
            return {}
        now = now or datetime.now(UTC)
        rows = await StaffUser.select(StaffUser.id, StaffUser.locked_until).where(
            StaffUser.id.is_in(user_ids)
        )
        out: dict[int, datetime] = {}
        for row in rows:
            until = _aware(row["locked_until"])
            if until is not None and until > now:
                out[int(row["id"])] = until
        return out

    async def unlock(self, actor: Actor, user_id: int) -> None:
        """Lift a lockout after repeated failed logins (an administrator's decision, audited)."""
        current = await self.get_user(user_id)
        await StaffUser.update({StaffUser.failed_logins: 0, StaffUser.locked_until: None}).where(
            StaffUser.id == user_id
        )
        await audit.record(actor, "unlock", "user", current.email, {})

    async def revoke_token(self, token: str) -> None:
        await ApiToken.update({ApiToken.revoked: True}).where(ApiToken.token_hash == hash_token(token))


def _bound(value: object) -> QueryString:
    """A literal for a Piccolo ``When`` branch, as a bound parameter. Given a bare value, Piccolo looks up
    a default engine through ``PICCOLO_CONF`` to decide on a cast, and a server (which never sets it, since
    its engine comes from ``DATABASE_URL``) failed every wrong-password login with a 500. The other branch
    (a column) gives the parameter its type on PostgreSQL."""
    return QueryString("{}", value)


def _aware(value: object) -> datetime | None:
    """SQLite hands timestamps back as naive or as text; compare them as aware UTC datetimes."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)  # noqa: S101 - invariant, not input
    return value if value.tzinfo else value.replace(tzinfo=UTC)


_KEEP = object()  # the account stays in its province


async def _keep_an_administrator(user_id: int, leaves: bool, moved_to: object = _KEEP) -> None:
    """Raise :class:`Conflict` when ``user_id`` is the last active administrator of what it administers and
    ``leaves`` it (is disabled or given another role) or is ``moved_to`` another province (inside a write
    transaction). Moving an administrator to national (``moved_to`` None) never leaves anything unmanaged.

    A national administrator (no province) is the only kind that can manage the deployment: the provinces,
    the national accounts, every province's data. A province's administrators do not count for it, or the
    last national administrator could step down and leave the deployment to province accounts that cannot
    reach it. A province's administrator counts every active administrator of its province and every
    national one (who can manage that province too).

    Two administrators disabling each other at the same moment must not both succeed: on PostgreSQL the
    counted administrators' rows are locked (a concurrent check waits, then sees the other's change); on
    SQLite the IMMEDIATE write transaction already lets one writer in at a time.
    """
    own = await StaffUser.select(StaffUser.province).where(StaffUser.id == user_id).first()
    province = own["province"] if own else None
    if not leaves and (moved_to is _KEEP or moved_to == province or moved_to is None):
        return
    scope = StaffUser.province.is_null()
    if province is not None:
        scope = scope | (StaffUser.province == province)
    query = StaffUser.select(StaffUser.id).where(
        StaffUser.role == "admin",
        StaffUser.active == True,  # noqa: E712
        scope,
    )
    if StaffUser._meta.db.engine_type != "sqlite":
        query = query.lock_rows()
    if {int(r["id"]) for r in await query} == {user_id}:
        if province is None:
            raise Conflict(
                "this is the last active administrator of the deployment: it cannot be disabled, given "
                "another role or moved into a province; make another national account (one without a "
                "province) an administrator first"
            )
        raise Conflict(
            "this is the last active administrator: it cannot be disabled, given another role or moved to "
            "another province; make another account an administrator first"
        )
