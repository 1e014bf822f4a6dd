"""Outbound webhooks: an agency's subscriptions, the outbox of events, one delivery per event and
subscription, and every attempt made to deliver it (survey_engine.webhooks)."""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from survey_engine.tables.core import Agency, StaffUser


class WebhookSubscription(Table, tablename="webhook_subscription"):
    """Where an agency wants its events sent.

    ``event_types`` is a comma-separated list of event names (survey_engine.webhooks.events.EVENT_TYPES).
    The signing secret itself is never stored: ``secret_salt`` is random, and the secret is derived from it
    and the application's secret key (survey_engine.webhooks.signing), so a copy of the database alone
    cannot sign (or verify) a delivery.
    """

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    agency = ForeignKey(Agency, on_delete=OnDelete.restrict, index=True)
    url = Varchar(length=2000)
    description = Varchar(length=200, default="")
    event_types = Varchar(length=200)
    secret_salt = Varchar(length=64)
    active = Boolean(default=True)
    created_at = Timestamptz()
    created_by = ForeignKey(StaffUser, null=True, on_delete=OnDelete.set_null)
    updated_at = Timestamptz()


class WebhookEvent(Table, tablename="webhook_event"):
    """The outbox: an event, written in the same transaction as what caused it.

    ``payload`` is the JSON body's ``data`` object (text, so both engines store it alike). The delivery
    worker fans each new event out to the agency's active subscriptions for its type (``fanned_out_at``
    set in the same transaction as the deliveries it creates); an event nobody subscribes to is deleted
    then.
    """

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    event_id = Varchar(length=36, unique=True)  # the unique constraint is its index
    agency = ForeignKey(Agency, on_delete=OnDelete.cascade, index=True)
    event_type = Varchar(length=32)
    payload = Text()
    created_at = Timestamptz()
    fanned_out_at = Timestamptz(null=True, default=None, index=True)


class WebhookDelivery(Table, tablename="webhook_delivery"):
    """One event for one subscription: ``pending`` → ``delivering`` (claimed by one worker until
    ``claimed_until``) → ``delivered``, back to ``pending`` after a failed attempt, or ``failed`` once its
    day of retries (``deadline_at``) is over. A replay by hand makes it ``pending`` again."""

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    event = ForeignKey(WebhookEvent, on_delete=OnDelete.cascade, index=True)
    subscription = ForeignKey(WebhookSubscription, on_delete=OnDelete.cascade, index=True)
    status = Varchar(length=16, default="pending", index=True)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(index=True)
    deadline_at = Timestamptz()
    claim = Varchar(length=32, null=True, default=None, index=True)
    claimed_until = Timestamptz(null=True, default=None)
    last_status_code = Integer(null=True, default=None)
    last_error = Varchar(length=300, null=True, default=None)
    created_at = Timestamptz()
    delivered_at = Timestamptz(null=True, default=None)
    replay_pending = Boolean(default=False)  # a replay by hand: the next attempt is marked as one


class WebhookAttempt(Table, tablename="webhook_attempt"):
    """One HTTP request made for a delivery: when, how long, the status code or the error (no bodies)."""

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    delivery = ForeignKey(WebhookDelivery, on_delete=OnDelete.cascade, index=True)
    number = Integer()
    started_at = Timestamptz()
    duration_ms = Integer()
    status_code = Integer(null=True, default=None)
    error = Varchar(length=300, null=True, default=None)
    replay = Boolean(default=False)  # the first attempt after a replay by hand


WEBHOOK_TABLES: tuple[type[Table], ...] = (
    WebhookSubscription,
    WebhookEvent,
    WebhookDelivery,
    WebhookAttempt,
)
