"""``/api/v1/webhooks``: an agency's webhook subscriptions, their delivery log and replay by hand.

Administrators (any agency) and agency users (their own agency; another agency's objects answer 404).
The signing secret is in the creation's answer only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter
from msgspec import Meta

from api.services import services_of
from api.web.auth import AGENCY_EDITORS
from api.web.routes_common import Limit, Offset, RowId, to_output
from api.web.schemas import PageOut, Strict
from survey_engine.actors import Actor

EventType = Literal["low_rating", "comment", "wave_closed", "results_published"]
DeliveryStatus = Literal["pending", "delivering", "delivered", "failed"]
Url = Annotated[str, Meta(min_length=1, max_length=2000)]
Events = Annotated[list[EventType], Meta(min_length=1, max_length=4)]
Description = Annotated[str, Meta(max_length=200)]


class WebhookIn(Strict):
    agency: Annotated[str, Meta(min_length=1, max_length=32)]
    url: Url
    events: Events
    description: Description = ""


class WebhookPatch(Strict):
    active: bool | None = None
    url: Url | None = None
    events: Events | None = None
    description: Description | None = None


class WebhookOut(msgspec.Struct):
    id: int
    agency: str
    url: str
    description: str
    events: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime


class WebhookCreated(msgspec.Struct):
    webhook: WebhookOut
    secret: str  # shown once: sign-checking key of the receiver


class AttemptOut(msgspec.Struct):
    number: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None
    replay: bool


class DeliveryOut(msgspec.Struct):
    id: int
    subscription: int
    agency: str
    event_id: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    deadline_at: datetime
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: list[AttemptOut] = []


class WebhookController(Controller):
    path = "/api/v1/webhooks"
    tags = ["webhooks"]
    guards = [AGENCY_EDITORS]

    @post("/", summary="Subscribe an agency to events (the signing secret is shown once)")
    async def create(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], data: JSONBody[WebhookIn]
    ) -> WebhookCreated:
        record, secret = await services_of(request).webhooks.create(
            actor, data.agency, data.url, list(data.events), data.description
        )
        return WebhookCreated(webhook=to_output(WebhookOut, record), secret=secret)

    @get("/", summary="Webhook subscriptions (an agency user: its own agency's)")
    async def list_webhooks(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        limit: Limit = 50,
        offset: Offset = 0,
        agency: Annotated[str | None, QueryParameter(max_length=32)] = None,
    ) -> PageOut[WebhookOut]:
        page = await services_of(request).webhooks.list(actor, limit, offset, agency)
        items = [msgspec.convert(item, WebhookOut, strict=False) for item in page.items]
        return PageOut(items=items, total=page.total, limit=limit, offset=offset)

    @get("/{webhook_id:int}", summary="One webhook subscription")
    async def get_webhook(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], webhook_id: RowId
    ) -> WebhookOut:
        return to_output(WebhookOut, await services_of(request).webhooks.get(actor, webhook_id))

    @patch("/{webhook_id:int}", summary="Pause (active: false), resume, or change a subscription")
    async def update(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        webhook_id: RowId,
        data: JSONBody[WebhookPatch],
    ) -> WebhookOut:
        record = await services_of(request).webhooks.update(
            actor,
            webhook_id,
            active=data.active,
            url=data.url,
            events=list(data.events) if data.events is not None else None,
            description=data.description,
        )
        return to_output(WebhookOut, record)

    @delete("/{webhook_id:int}", summary="Delete a subscription and its delivery log")
    async def remove(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], webhook_id: RowId
    ) -> None:
        await services_of(request).webhooks.delete(actor, webhook_id)

    @get("/{webhook_id:int}/deliveries", summary="The delivery log of a subscription, newest first")
    async def deliveries(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        webhook_id: RowId,
        limit: Limit = 50,
        offset: Offset = 0,
        status: Annotated[DeliveryStatus | None, QueryParameter(description="only this status")] = None,
    ) -> PageOut[DeliveryOut]:
        page = await services_of(request).webhooks.deliveries(actor, webhook_id, limit, offset, status)
        items = [msgspec.convert(item, DeliveryOut, strict=False) for item in page.items]
        return PageOut(items=items, total=page.total, limit=limit, offset=offset)


class WebhookDeliveryController(Controller):
    path = "/api/v1/webhook-deliveries"
    tags = ["webhooks"]
    guards = [AGENCY_EDITORS]

    @get("/{delivery_id:int}", summary="A delivery with its attempts (status code, time, duration)")
    async def get_delivery(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], delivery_id: RowId
    ) -> DeliveryOut:
        return to_output(DeliveryOut, await services_of(request).webhooks.delivery(actor, delivery_id))

    @post(
        "/{delivery_id:int}/replay",
        summary="Send a delivery again now, with a new day of retries",
        status_code=200,
    )
    async def replay(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], delivery_id: RowId
    ) -> DeliveryOut:
        return to_output(DeliveryOut, await services_of(request).webhooks.replay(actor, delivery_id))


WEBHOOK_HANDLERS = [WebhookController, WebhookDeliveryController]
