"""Public submission endpoint (idempotent, durable) and kiosk-device registration (staff)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, cast

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import JSONBody, QueryParameter
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send
from msgspec import Meta

from api.services import Services, services_of
from api.web.auth import AGENCY_EDITORS, READERS, authenticate
from api.web.json_body import MAX_JSON_DEPTH, nested_too_deep
from api.web.routes_common import Limit, Offset, RowId, to_output
from api.web.schemas import Channel, PageOut, Strict
from survey_engine.actors import Actor
from survey_engine.collection.kiosks import KioskDeviceRecord
from survey_engine.collection.submissions import SubmissionRequest, canonical_client_id
from survey_engine.errors import AuthenticationFailed, FieldProblem, Forbidden, InvalidInput
from survey_engine.fieldwork.phone_submission import contact_for_submission

DEVICE_HEADER = "x-kiosk-device"


class SubmissionIn(Strict):
    id: Annotated[
        str, Meta(min_length=32, max_length=36, description="client-generated UUID (idempotency key)")
    ]
    token: Annotated[str, Meta(min_length=1, max_length=64)]
    answers: dict[str, Any]
    channel: Channel
    language: Literal["vi", "en"] = "vi"
    started_at: datetime | None = None
    submitted_at: datetime | None = None
    dossier_code: (
        Annotated[
            str,
            Meta(max_length=64, description="dossier code typed by staff (phone and paper channels only)"),
        ]
        | None
    ) = None
    receipt: Annotated[str, Meta(max_length=256)] | None = None
    questionnaire_version: Annotated[str, Meta(max_length=80)] | None = None
    contact: Annotated[str, Meta(max_length=48, description="phone contact code (channel phone)")] | None = (
        None
    )
    complete: Annotated[
        bool, Meta(description="false for a kiosk break-off kept after the idle timeout (wave setting)")
    ] = True


class SubmissionOut(msgspec.Struct):
    id: str
    status: str


# Litestar decodes a JSON body to builtins and converts it to the handler's types in lax mode; the fast
# path decodes straight into the Struct with the same (lax) rules.
_DECODER = msgspec.json.Decoder(SubmissionIn, strict=False)
_ENCODER = msgspec.json.Encoder()


def submission_request(
    data: SubmissionIn, device: str | None, interviewer_id: int | None
) -> SubmissionRequest:
    return SubmissionRequest(
        client_id=canonical_client_id(data.id) or data.id,  # the service refuses a non-UUID
        token=data.token,
        answers=data.answers,
        channel=data.channel,
        language=data.language,
        started_at=data.started_at,
        submitted_at=data.submitted_at,
        dossier_code=data.dossier_code,
        receipt=data.receipt,
        questionnaire_version=data.questionnaire_version,
        device_token=device,
        interviewer_id=interviewer_id,
        complete=data.complete,
    )


class FastSubmitPath:
    """ASGI middleware of ``POST /api/v1/submissions`` only: the hot path of ingestion without the framework's
    per-request machinery (request object, signature model, response object), which costs more CPU than
    validating the answers.

    It serves the common case: a JSON body within the size limit that decodes into :class:`SubmissionIn`, on
    the online or kiosk channel. Everything else (phone and paper entries, which need a signed-in staff
    member; bodies that do not decode; a missing or oversized length) is replayed unchanged to the route
    handler below, so those answers are exactly the framework's. Domain errors (the rate limit's 429
    included: it is decided in the commit, see :mod:`survey_engine.collection.ratelimit`) propagate to the
    same
    exception handlers as the handler's.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._limit = 0
        self._static: list[tuple[bytes, bytes]] | None = None

    def _static_headers(self, scope: Scope) -> list[tuple[bytes, bytes]]:
        """The headers the framework would add to this route's responses (the app's security headers)."""
        if self._static is None:
            handler = cast("HTTPRouteHandler", scope["route_handler"])  # the submit route's own handler
            self._limit = handler.resolve_request_max_body_size() or 0
            self._static = [
                (h.name.lower().encode("latin-1"), str(h.value).encode("latin-1"))
                for h in handler.resolve_response_headers()
                if not h.documentation_only and h.value is not None
            ]
        return self._static

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        static = self._static_headers(scope)
        if not FAST_PATH_ENABLED or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        length = -1
        json_body = False
        device: str | None = None
        for name, value in scope["headers"]:  # ASGI header names are lower-case
            if name == b"content-length":
                length = int(value) if value.isdigit() else -1
            elif name == b"content-type":
                json_body = value.split(b";", 1)[0].strip().lower() == b"application/json"
            elif name == b"x-kiosk-device" and device is None:
                device = value.decode("latin-1")
        if length < 0 or not json_body or (self._limit and length > self._limit):
            await self.app(scope, receive, send)
            return
        messages: list[ReceiveMessage] = []
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        data: SubmissionIn | None = None
        if not more:
            body = b"".join(chunks)
            try:
                data = _DECODER.decode(body)
            except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
                data = None
            # The answers are the only free-form field, one level below the body's object. An over-deep
            # body is replayed: the handler's decoder refuses it (422) whether or not this one gave up.
            if data is not None and nested_too_deep(body, data.answers, MAX_JSON_DEPTH - 1):
                data = None
        if data is None or data.channel in ("phone", "paper") or data.contact is not None:
            await self.app(scope, _replay(messages, receive), send)
            return
        device = device or None
        services: Services = scope["litestar_app"].state.services
        outcome = await services.submissions.submit(submission_request(data, device, None))
        body = _ENCODER.encode(SubmissionOut(id=outcome.client_id, status="accepted"))
        await send(
            {
                "type": "http.response.start",
                "status": 201 if outcome.created else 200,
                "headers": [
                    *static,
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body, "more_body": False})


FAST_PATH_ENABLED = True  # tests switch it off to compare both paths


def _replay(messages: list[ReceiveMessage], receive: Receive) -> Receive:
    """``receive`` that first hands out the messages already read."""
    pending = list(messages)

    async def replay() -> ReceiveMessage:
        return pending.pop(0) if pending else await receive()

    return replay


@post(
    "/api/v1/submissions",
    tags=["collection"],
    summary="Store one response (idempotent: the same id and body again answers 200)",
    status_code=201,
    middleware=[FastSubmitPath],
    description=(
        "201 once the response is durably stored; 200 for a replay of the same id and body (the id is "
        "a UUID in any spelling: with or without dashes, any case; the answer carries it lower case with "
        "dashes); 409 for the same id with another body, a closed wave, a stale questionnaire version or "
        "an already answered dossier (each with its own problem type); 422 for invalid answers (a text "
        "answer must not hold control characters); 404 for an unknown token; 429 with Retry-After when "
        "over the rate limit (SIPAS_RATE_LIMIT stored submissions per minute per service point, or per "
        "registered kiosk device on the kiosk channel, counted across all server processes; replays and "
        "refused submissions do not count). Kiosk submissions carry their device token in the "
        "X-Kiosk-Device header (401 when the device is unknown or revoked); phone and paper submissions "
        "need a signed-in staff member, recorded as the interviewer. A "
        "respondent links a dossier only with its signed `receipt`; `dossier_code` is for staff entering "
        "phone or paper interviews (422 on the online and kiosk channels). A phone `contact` must be "
        "assigned to the signed-in interviewer (else 404) and belong to the token's agency and service "
        "point (else 422); a contact that cannot be completed answers 409. Every refusal stores nothing. "
        "503 with Retry-After when the database is busy or unavailable; 422 `too_deep` for a body nested "
        "more than 64 levels."
    ),
)
async def submit(request: Request[Any, Any, Any], data: JSONBody[SubmissionIn]) -> Response[Any]:
    services: Services = request.app.state.services
    device = request.headers.get(DEVICE_HEADER) or None
    interviewer_id = None
    actor: Actor | None = None
    if data.channel in ("phone", "paper"):
        actor = await authenticate(request)
        if actor.role not in ("interviewer", "admin", "statistician"):
            raise Forbidden(f"the {actor.role} role may not enter {data.channel} responses")
        interviewer_id = actor.user_id
    contact_id: int | None = None
    if data.contact is not None:
        if data.channel != "phone" or actor is None:
            raise InvalidInput(
                "a contact goes with a phone interview", [FieldProblem("contact", "only for phone")]
            )
        form = await services.submissions.resolve(data.token)
        # Before storing: a contact that this interview cannot complete must leave nothing stored.
        contact_id = await contact_for_submission(
            data.contact,
            actor.user_id,
            form.wave_id,
            form.agency_id,
            form.service_point_id,
            canonical_client_id(data.id) or data.id,
        )
    outcome = await services.submissions.submit(submission_request(data, device, interviewer_id))
    if contact_id is not None and interviewer_id is not None:
        # After the commit: the contact is complete only once its questionnaire is durably stored.
        await services_of(request).phone.mark_complete(contact_id, outcome.client_id, interviewer_id)
    return Response(
        SubmissionOut(id=outcome.client_id, status="accepted"), status_code=201 if outcome.created else 200
    )


class KioskDeviceOut(msgspec.Struct):
    id: int
    name: str
    service_point: str
    agency: str
    created_at: datetime
    last_seen_at: datetime | None
    revoked_at: datetime | None


class KioskDeviceCreated(msgspec.Struct):
    device: KioskDeviceOut
    token: str
    pairing_url: str


class KioskDeviceIn(Strict):
    service_point: Annotated[str, Meta(min_length=1, max_length=48)]
    name: Annotated[str, Meta(min_length=1, max_length=100)]


def _device(device: KioskDeviceRecord | dict[str, Any]) -> KioskDeviceOut:
    """A device without its service point's token (a list's rows are still mappings)."""
    if isinstance(device, KioskDeviceRecord):
        return to_output(KioskDeviceOut, device)
    return msgspec.convert(
        {k: v for k, v in device.items() if k != "service_point_token"}, KioskDeviceOut, strict=False
    )


class KioskDeviceController(Controller):
    path = "/api/v1/kiosk-devices"
    tags = ["collection"]

    @post(
        "/",
        summary="Register a kiosk tablet for a service point (the token is shown once)",
        guards=[AGENCY_EDITORS],
    )
    async def register(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], data: JSONBody[KioskDeviceIn]
    ) -> KioskDeviceCreated:
        services: Services = request.app.state.services
        row, token = await services.kiosks.register(actor, data.service_point, data.name)
        # The fragment never reaches the server: the kiosk page keeps the token in the tablet's storage.
        pairing_url = f"{services.kiosk_url(row.service_point_token)}#device={token}"
        return KioskDeviceCreated(device=_device(row), token=token, pairing_url=pairing_url)

    @get("/", summary="Kiosk devices with their last-seen time", guards=[READERS])
    async def list_devices(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        limit: Limit = 50,
        offset: Offset = 0,
        service_point: Annotated[str | None, QueryParameter(max_length=48)] = None,
    ) -> PageOut[KioskDeviceOut]:
        page = await services_of(request).kiosks.list(actor, limit, offset, service_point)
        return PageOut(items=[_device(r) for r in page.items], total=page.total, limit=limit, offset=offset)

    @post(
        "/{device_id:int}/revoke",
        summary="Revoke a device: its submissions are refused from now on",
        guards=[AGENCY_EDITORS],
        status_code=200,
    )
    async def revoke(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], device_id: RowId
    ) -> KioskDeviceOut:
        services: Services = request.app.state.services
        row = await services.kiosks.revoke(actor, device_id)
        services.submissions.forget()
        return _device(row)


__all__ = ["AuthenticationFailed", "KioskDeviceController", "submit"]
