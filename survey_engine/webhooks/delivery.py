"""The delivery worker: fan events out to subscriptions, then send each due delivery, signed, with retries.

Runs inside ``sipas serve`` (a background task of the application's lifespan) and as
``sipas webhooks deliver [--once]`` for cron; any number of them may run at once against one database:

* Fan-out: an event's deliveries are created in the transaction that marks it fanned out, by a
  conditional UPDATE (``fanned_out_at IS NULL``), so one worker does it, once.
* Claims: a due delivery is claimed by a conditional UPDATE that sets a random claim token and a lease
  (``claimed_until``) only where it is still due; only rows carrying this worker's token are sent, so at
  most one attempt per delivery is in flight across processes. A worker that dies leaves its lease to
  expire, and the delivery is tried again (receivers de-duplicate by the event id).
* Retries: after failed attempt n the next comes ``first_retry * 2**(n-1)`` later (30 s, 1 min, 2 min …),
  never after the delivery's deadline, a day after it was created (or replayed); a failure at or after the
  deadline marks it ``failed``. Any status other than 2xx is a failure; redirects are not followed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from survey_engine.tables import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription
from survey_engine.transactions import write_transaction
from survey_engine.webhooks import signing, targets

LOG = logging.getLogger("sipas.webhooks")
USER_AGENT = "sipas-webhooks/1"
STALE_AFTER_DEADLINE = timedelta(minutes=5)


@dataclass(frozen=True)
class DeliveryPolicy:
    timeout_seconds: float = 10.0
    first_retry_seconds: float = 30.0
    retry_window: timedelta = timedelta(days=1)
    batch: int = 20
    allowed_hosts: frozenset[str] = frozenset()

    @property
    def lease(self) -> timedelta:
        """How long a claim lasts: well past the request's own timeout."""
        return timedelta(seconds=self.timeout_seconds * 3 + 30)

    def delay_after(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt (1, 2, …)."""
        return timedelta(seconds=self.first_retry_seconds * 2 ** min(max(attempts - 1, 0), 20))


@dataclass
class RunReport:
    fanned_out: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Claimed:
    id: int
    attempts: int
    deadline_at: datetime
    replay: bool
    url: str
    salt: str
    event_id: str
    event_type: str
    agency: str
    payload: str
    created_at: datetime


class DeliveryWorker:
    def __init__(
        self,
        app_secret: str,
        policy: DeliveryPolicy,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.app_secret = app_secret
        self.policy = policy
        self.clock = clock
        self.transport = transport

    # -- fan-out -------------------------------------------------------------------------------------------

    async def fan_out(self, limit: int = 200) -> int:
        """Create the deliveries of new events; an event no active subscription wants is deleted."""
        events = await (
            WebhookEvent.select(WebhookEvent.id, WebhookEvent.agency, WebhookEvent.event_type)
            .where(WebhookEvent.fanned_out_at.is_null())
            .order_by(WebhookEvent.id)
            .limit(limit)
        )
        if not events:
            return 0
        agencies = list({int(e["agency"]) for e in events})
        subscriptions = await WebhookSubscription.select(
            WebhookSubscription.id, WebhookSubscription.agency, WebhookSubscription.event_types
        ).where(WebhookSubscription.agency.is_in(agencies) & (WebhookSubscription.active == True))  # noqa: E712
        now = self.clock()
        done = 0
        for event in events:
            wanted = [
                int(s["id"])
                for s in subscriptions
                if s["agency"] == event["agency"] and event["event_type"] in str(s["event_types"]).split(",")
            ]
            async with write_transaction(WebhookEvent._meta.db):
                claimed = (
                    await WebhookEvent.update({WebhookEvent.fanned_out_at: now})
                    .where((WebhookEvent.id == event["id"]) & WebhookEvent.fanned_out_at.is_null())
                    .returning(WebhookEvent.id)
                )
                if not claimed:
                    continue  # another worker fanned it out
                if not wanted:
                    await WebhookEvent.delete().where(WebhookEvent.id == event["id"])
                    continue
                await WebhookDelivery.insert(
                    *[
                        WebhookDelivery(
                            event=event["id"],
                            subscription=sub_id,
                            status="pending",
                            attempts=0,
                            next_attempt_at=now,
                            deadline_at=now + self.policy.retry_window,
                            created_at=now,
                        )
                        for sub_id in wanted
                    ]
                )
            done += 1
        return done

    # -- claims --------------------------------------------------------------------------------------------

    def _due(self, now: datetime) -> Any:
        pending = (WebhookDelivery.status == "pending") & (WebhookDelivery.next_attempt_at <= now)
        abandoned = (WebhookDelivery.status == "delivering") & (WebhookDelivery.claimed_until < now)
        return pending | abandoned

    async def claim(self) -> tuple[str, list[_Claimed]]:
        """Claim up to ``policy.batch`` due deliveries of active subscriptions for this worker."""
        now = self.clock()
        candidates = await (
            WebhookDelivery.select(WebhookDelivery.id)
            .where(self._due(now) & (WebhookDelivery.subscription.active == True))  # noqa: E712
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(self.policy.batch)
        )
        if not candidates:
            return "", []
        token = secrets.token_hex(16)
        ids = [int(r["id"]) for r in candidates]
        await WebhookDelivery.update(
            {
                WebhookDelivery.status: "delivering",
                WebhookDelivery.claim: token,
                WebhookDelivery.claimed_until: now + self.policy.lease,
            }
        ).where(WebhookDelivery.id.is_in(ids) & self._due(now))
        rows = await WebhookDelivery.select(
            WebhookDelivery.id,
            WebhookDelivery.attempts,
            WebhookDelivery.deadline_at,
            WebhookDelivery.replay_pending,
            WebhookDelivery.subscription.url.as_alias("url"),
            WebhookDelivery.subscription.secret_salt.as_alias("salt"),
            WebhookDelivery.event.event_id.as_alias("event_id"),
            WebhookDelivery.event.event_type.as_alias("event_type"),
            WebhookDelivery.event._.agency.code.as_alias("agency"),
            WebhookDelivery.event.payload.as_alias("payload"),
            WebhookDelivery.event.created_at.as_alias("event_created_at"),
        ).where(WebhookDelivery.claim == token)
        claimed = [
            _Claimed(
                id=int(r["id"]),
                attempts=int(r["attempts"]),
                deadline_at=r["deadline_at"],
                replay=bool(r["replay_pending"]),
                url=str(r["url"]),
                salt=str(r["salt"]),
                event_id=str(r["event_id"]),
                event_type=str(r["event_type"]),
                agency=str(r["agency"]),
                payload=str(r["payload"]),
                created_at=r["event_created_at"],
            )
            for r in rows
        ]
        return token, claimed

    # -- sending -------------------------------------------------------------------------------------------

    @staticmethod
    def body(item: _Claimed) -> bytes:
        """The JSON body: an envelope around the event's stored ``data`` (already canonical JSON)."""
        created = item.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
        envelope = (
            f'{{"id":"{item.event_id}","type":"{item.event_type}","created_at":"{created}",'
            f'"agency":{_json_string(item.agency)},"data":{item.payload}}}'
        )
        return envelope.encode("utf-8")

    async def _send(self, client: httpx.AsyncClient, item: _Claimed) -> tuple[int | None, str | None]:
        try:
            await targets.check_resolved(item.url, self.policy.allowed_hosts)
        except targets.TargetRefused as exc:
            return None, str(exc)
        body = self.body(item)
        stamp = int(time.time())  # the real time even under a test clock: receivers check it
        secret = signing.subscription_secret(self.app_secret, item.salt)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Sipas-Event": item.event_type,
            "X-Sipas-Event-Id": item.event_id,
            "X-Sipas-Delivery": str(item.id),
            "X-Sipas-Signature": signing.signature_header(secret, stamp, body),
        }
        try:
            # Streamed and never read: a receiver cannot make us download a large answer.
            async with client.stream("POST", item.url, content=body, headers=headers) as response:
                return response.status_code, None
        except httpx.TimeoutException:
            return None, f"timed out after {self.policy.timeout_seconds:g} s"
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"[:300]

    async def _attempt(
        self, client: httpx.AsyncClient, token: str, item: _Claimed, report: RunReport
    ) -> None:
        started, clock_start = self.clock(), time.monotonic()
        status_code: int | None
        error: str | None
        # The last retry is due at the deadline itself; a delivery found well past it waited while its
        # subscription was paused, and fails without a request (a replay by hand can still send it).
        if started > item.deadline_at + STALE_AFTER_DEADLINE and not item.replay:
            status_code, error = None, "retry window over (the subscription was paused)"
            attempted = False
        else:
            status_code, error = await self._send(client, item)
            attempted = True
        duration_ms = int((time.monotonic() - clock_start) * 1000)
        ok = status_code is not None and 200 <= status_code < 300
        if error is None and not ok:
            error = f"HTTP {status_code}"
        attempts = item.attempts + (1 if attempted else 0)
        now = self.clock()
        values: dict[Any, Any] = {
            WebhookDelivery.attempts: attempts,
            WebhookDelivery.claim: None,
            WebhookDelivery.claimed_until: None,
            WebhookDelivery.last_status_code: status_code,
            WebhookDelivery.last_error: None if ok else error,
            WebhookDelivery.replay_pending: False,
        }
        if ok:
            values[WebhookDelivery.status] = "delivered"
            values[WebhookDelivery.delivered_at] = now
            report.delivered += 1
        elif now >= item.deadline_at or not attempted:
            values[WebhookDelivery.status] = "failed"
            report.failed += 1
        else:
            values[WebhookDelivery.status] = "pending"
            values[WebhookDelivery.next_attempt_at] = min(
                now + self.policy.delay_after(attempts), item.deadline_at
            )
            report.retrying += 1
        async with write_transaction(WebhookDelivery._meta.db):
            # Only while the claim is ours: after a lost lease another worker owns the delivery.
            mine = (
                await WebhookDelivery.update(values)
                .where((WebhookDelivery.id == item.id) & (WebhookDelivery.claim == token))
                .returning(WebhookDelivery.id)
            )
            if mine and attempted:
                await WebhookAttempt.insert(
                    WebhookAttempt(
                        delivery=item.id,
                        number=attempts,
                        started_at=started,
                        duration_ms=duration_ms,
                        status_code=status_code,
                        error=None if ok else error,
                        replay=item.replay,
                    )
                )

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=self.policy.timeout_seconds,
            follow_redirects=False,
            trust_env=False,  # never through a proxy from the environment: the target checks would not hold
            transport=self.transport,
        )

    async def run_once(self) -> RunReport:
        """Fan out new events and send every delivery due now (until none is left due)."""
        report = RunReport()
        while fanned := await self.fan_out():
            report.fanned_out += fanned
        token, claimed = await self.claim()
        if not claimed:
            # No HTTP client without a delivery: making one loads the CA certificates (about 20 ms of CPU
            # on the event loop), which every server would otherwise pay every round.
            return report
        async with self._client() as client:
            while claimed:
                await asyncio.gather(*(self._attempt(client, token, item, report) for item in claimed))
                token, claimed = await self.claim()
        return report

    async def run_forever(self, stop: asyncio.Event, interval: float = 2.0) -> None:
        """Until ``stop`` is set: a round every ``interval`` seconds. A failing round (database away) is
        logged and tried again, never ends the loop."""
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:  # the next round retries; a background task must not die of one
                LOG.exception("webhook delivery round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)


def _json_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)
