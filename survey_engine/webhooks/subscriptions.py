"""Webhook subscriptions of an agency, their delivery log and replay by hand.

Who: administrators for any agency; an agency user for its own agency only (another agency's subscription
or delivery answers "not found", as everywhere else). Other roles are refused: a delivery carries the
citizens' comments, which only the agency they are about may read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from survey_engine import audit, tenancy
from survey_engine.actors import Actor
from survey_engine.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound, Page
from survey_engine.tables import Agency, WebhookAttempt, WebhookDelivery, WebhookSubscription
from survey_engine.transactions import write_transaction
from survey_engine.webhooks import signing, targets
from survey_engine.webhooks.events import EVENT_TYPES

MANAGERS = ("admin", "agency")
DESCRIPTION_MAX = 200
# Each subscription multiplies the agency's events into outbound requests: a few receivers are plenty, and
# the cap keeps one account from turning sipas into a request amplifier.
MAX_PER_AGENCY = 10
DELIVERY_STATUSES = ("pending", "delivering", "delivered", "failed")

SUBSCRIPTION_COLUMNS = (
    WebhookSubscription.id,
    WebhookSubscription.agency.code.as_alias("agency"),
    WebhookSubscription.url,
    WebhookSubscription.description,
    WebhookSubscription.event_types,
    WebhookSubscription.active,
    WebhookSubscription.created_at,
    WebhookSubscription.updated_at,
)
DELIVERY_COLUMNS = (
    WebhookDelivery.id,
    WebhookDelivery.subscription,
    WebhookDelivery.subscription._.agency.code.as_alias("agency"),
    WebhookDelivery.event.event_id.as_alias("event_id"),
    WebhookDelivery.event.event_type.as_alias("event_type"),
    WebhookDelivery.status,
    WebhookDelivery.attempts,
    WebhookDelivery.next_attempt_at,
    WebhookDelivery.deadline_at,
    WebhookDelivery.last_status_code,
    WebhookDelivery.last_error,
    WebhookDelivery.created_at,
    WebhookDelivery.delivered_at,
)


@dataclass(frozen=True)
class SubscriptionRecord:
    id: int
    agency: str
    url: str
    description: str
    events: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> SubscriptionRecord:
        return cls(
            id=int(row["id"]),
            agency=str(row["agency"]),
            url=str(row["url"]),
            description=str(row["description"] or ""),
            events=[e for e in str(row["event_types"]).split(",") if e],
            active=bool(row["active"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


@dataclass(frozen=True)
class AttemptRecord:
    number: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None
    replay: bool


@dataclass(frozen=True)
class DeliveryRecord:
    id: int
    subscription: int
    agency: str
    event_id: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime | None  # None once delivered or failed
    deadline_at: datetime
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: list[AttemptRecord]

    @classmethod
    def of(cls, row: dict[str, Any], attempts: Sequence[AttemptRecord] = ()) -> DeliveryRecord:
        waiting = row["status"] in ("pending", "delivering")
        return cls(
            id=int(row["id"]),
            subscription=int(row["subscription"]),
            agency=str(row["agency"]),
            event_id=str(row["event_id"]),
            event_type=str(row["event_type"]),
            status=str(row["status"]),
            attempts=int(row["attempts"]),
            next_attempt_at=row["next_attempt_at"] if waiting else None,
            deadline_at=row["deadline_at"],
            last_status_code=row["last_status_code"],
            last_error=row["last_error"],
            created_at=row["created_at"],
            delivered_at=row["delivered_at"],
            attempt_log=list(attempts),
        )


def _events(values: Sequence[str]) -> str:
    chosen = sorted(set(values))
    unknown = [e for e in chosen if e not in EVENT_TYPES]
    if not chosen or unknown:
        raise InvalidInput(
            "the event types are not valid",
            [FieldProblem("events", f"one or more of {', '.join(EVENT_TYPES)}")],
        )
    return ",".join(chosen)


def _description(value: str) -> str:
    value = value.strip()
    if len(value) > DESCRIPTION_MAX:
        raise InvalidInput(
            "the description is too long",
            [FieldProblem("description", f"at most {DESCRIPTION_MAX} characters")],
        )
    return value


class WebhookService:
    def __init__(self, app_secret: str, allowed_hosts: frozenset[str], retry_window: timedelta) -> None:
        self.app_secret = app_secret
        self.allowed_hosts = allowed_hosts
        self.retry_window = retry_window

    @staticmethod
    def _may_manage(actor: Actor) -> None:
        if actor.role not in MANAGERS:
            raise Forbidden("only administrators and agency staff manage webhooks")

    async def agencies(self, actor: Actor, limit: int = 500) -> list[tuple[str, str, str]]:
        """(code, Vietnamese name, English name) of the agencies the actor may subscribe for."""
        self._may_manage(actor)
        query = tenancy.in_scope(
            Agency.select(Agency.code, Agency.name_vi, Agency.name_en).order_by(Agency.code),
            actor,
            Agency.province,
        )
        if actor.agency_scoped:
            query = query.where(Agency.id == actor.agency_id)
        rows = await query.limit(limit)
        return [(str(r["code"]), str(r["name_vi"]), str(r["name_en"])) for r in rows]

    async def _agency_id(self, actor: Actor, code: str) -> int:
        row = await Agency.select(Agency.id, Agency.province).where(Agency.code == code).first()
        if row is None or (actor.agency_scoped and row["id"] != actor.agency_id):
            raise NotFound(f"no agency with code {code}")
        if not tenancy.sees(actor, row["province"]):
            raise NotFound(f"no agency with code {code}")
        return int(row["id"])

    async def create(
        self, actor: Actor, agency: str, url: str, events: Sequence[str], description: str = ""
    ) -> tuple[SubscriptionRecord, str]:
        """The new subscription and its signing secret, which is shown this once."""
        self._may_manage(actor)
        agency_id = await self._agency_id(actor, agency)
        url = targets.check_url(url, self.allowed_hosts)
        kinds, text = _events(events), _description(description)
        salt, now = signing.new_salt(), datetime.now(UTC)
        async with write_transaction(WebhookSubscription._meta.db):
            if (
                await WebhookSubscription.count().where(WebhookSubscription.agency == agency_id)
                >= MAX_PER_AGENCY
            ):
                raise Conflict(f"agency {agency} already has {MAX_PER_AGENCY} webhooks; delete one first")
            inserted = await WebhookSubscription.insert(
                WebhookSubscription(
                    agency=agency_id,
                    url=url,
                    description=text,
                    event_types=kinds,
                    secret_salt=salt,
                    active=True,
                    created_at=now,
                    created_by=actor.user_id or None,
                    updated_at=now,
                )
            ).returning(WebhookSubscription.id)
        sub_id = int(inserted[0]["id"])
        await audit.record(actor, "create", "webhook", str(sub_id), {"agency": agency, "events": kinds})
        return await self.get(actor, sub_id), signing.subscription_secret(self.app_secret, salt)

    async def _row(self, actor: Actor, sub_id: int) -> dict[str, Any]:
        self._may_manage(actor)
        query = WebhookSubscription.select(*SUBSCRIPTION_COLUMNS).where(WebhookSubscription.id == sub_id)
        if actor.agency_scoped:
            query = query.where(WebhookSubscription.agency == actor.agency_id)
        query = tenancy.in_scope(query, actor, WebhookSubscription.agency._.province)
        row = await query.first()
        if row is None:
            raise NotFound(f"no webhook subscription {sub_id}")
        return row

    async def get(self, actor: Actor, sub_id: int) -> SubscriptionRecord:
        return SubscriptionRecord.of(await self._row(actor, sub_id))

    async def list(self, actor: Actor, limit: int, offset: int, agency: str | None = None) -> Page:
        self._may_manage(actor)
        query = WebhookSubscription.select(*SUBSCRIPTION_COLUMNS).order_by(WebhookSubscription.id)
        count = WebhookSubscription.count()
        conditions = []
        if actor.agency_scoped:
            conditions.append(WebhookSubscription.agency == actor.agency_id)
        own_province = tenancy.condition(actor, WebhookSubscription.agency._.province)
        if own_province is not None:
            conditions.append(own_province)
        if agency:
            conditions.append(WebhookSubscription.agency.code == agency)
        for condition in conditions:
            query = query.where(condition)
            count = count.where(condition)
        rows = await query.limit(limit).offset(offset)
        return Page(
            items=[SubscriptionRecord.of(r).__dict__ for r in rows],
            total=await count,
            limit=limit,
            offset=offset,
        )

    async def update(
        self,
        actor: Actor,
        sub_id: int,
        *,
        active: bool | None = None,
        url: str | None = None,
        events: Sequence[str] | None = None,
        description: str | None = None,
    ) -> SubscriptionRecord:
        """Pause (``active=False``), resume, or change the address, events or description."""
        await self._row(actor, sub_id)
        values: dict[Any, Any] = {WebhookSubscription.updated_at: datetime.now(UTC)}
        if active is not None:
            values[WebhookSubscription.active] = active
        if url is not None:
            values[WebhookSubscription.url] = targets.check_url(url, self.allowed_hosts)
        if events is not None:
            values[WebhookSubscription.event_types] = _events(events)
        if description is not None:
            values[WebhookSubscription.description] = _description(description)
        await WebhookSubscription.update(values).where(WebhookSubscription.id == sub_id)
        changed = sorted(c._meta.name for c in values if c._meta.name != "updated_at")
        await audit.record(actor, "update", "webhook", str(sub_id), {"fields": changed, "active": active})
        return await self.get(actor, sub_id)

    async def delete(self, actor: Actor, sub_id: int) -> None:
        """The subscription and its delivery log go; its events stay for other subscriptions."""
        await self._row(actor, sub_id)
        await WebhookSubscription.delete().where(WebhookSubscription.id == sub_id)
        await audit.record(actor, "delete", "webhook", str(sub_id), {})

    async def deliveries(
        self, actor: Actor, sub_id: int, limit: int, offset: int, status: str | None = None
    ) -> Page:
        """The delivery log of a subscription, newest first (``items``: DeliveryRecord without attempts)."""
        await self._row(actor, sub_id)
        if status is not None and status not in DELIVERY_STATUSES:
            raise InvalidInput(
                "unknown delivery status", [FieldProblem("status", f"one of {', '.join(DELIVERY_STATUSES)}")]
            )
        where: Any = WebhookDelivery.subscription == sub_id
        if status:
            where = where & (WebhookDelivery.status == status)
        rows = (
            await WebhookDelivery.select(*DELIVERY_COLUMNS)
            .where(where)
            .order_by(WebhookDelivery.id, ascending=False)
            .limit(limit)
            .offset(offset)
        )
        total = await WebhookDelivery.count().where(where)
        return Page(
            items=[DeliveryRecord.of(r).__dict__ for r in rows], total=total, limit=limit, offset=offset
        )

    async def delivery(self, actor: Actor, delivery_id: int) -> DeliveryRecord:
        self._may_manage(actor)
        query = WebhookDelivery.select(*DELIVERY_COLUMNS).where(WebhookDelivery.id == delivery_id)
        if actor.agency_scoped:
            query = query.where(WebhookDelivery.subscription._.agency == actor.agency_id)
        query = tenancy.in_scope(query, actor, WebhookDelivery.subscription._.agency._.province)
        row = await query.first()
        if row is None:
            raise NotFound(f"no webhook delivery {delivery_id}")
        attempts = await (
            WebhookAttempt.select()
            .where(WebhookAttempt.delivery == delivery_id)
            .order_by(WebhookAttempt.id, ascending=False)
            .limit(200)
        )
        log = [
            AttemptRecord(
                number=int(a["number"]),
                started_at=a["started_at"],
                duration_ms=int(a["duration_ms"]),
                status_code=a["status_code"],
                error=a["error"],
                replay=bool(a["replay"]),
            )
            for a in attempts
        ]
        return DeliveryRecord.of(row, log)

    async def replay(self, actor: Actor, delivery_id: int) -> DeliveryRecord:
        """Send a delivery again now, with a new day of retries (delivered, failed or still waiting)."""
        current = await self.delivery(actor, delivery_id)
        now = datetime.now(UTC)
        changed = (
            await WebhookDelivery.update(
                {
                    WebhookDelivery.status: "pending",
                    WebhookDelivery.next_attempt_at: now,
                    WebhookDelivery.deadline_at: now + self.retry_window,
                    WebhookDelivery.claim: None,
                    WebhookDelivery.claimed_until: None,
                    WebhookDelivery.replay_pending: True,
                }
            )
            .where((WebhookDelivery.id == delivery_id) & (WebhookDelivery.status != "delivering"))
            .returning(WebhookDelivery.id)
        )
        if not changed:
            raise Conflict(f"delivery {delivery_id} is being sent right now; try again in a moment")
        await audit.record(actor, "replay", "webhook_delivery", str(delivery_id), {"was": current.status})
        return await self.delivery(actor, delivery_id)
