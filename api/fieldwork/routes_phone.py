"""Phone interviews: contacts, call attempts (handlers mounted by create_app).

The contacts import takes the CSV file itself as the body (``Content-Type: text/csv``, UTF-8 with or
without BOM, at most the app's 1 MiB), so ``curl --data-binary @contacts.csv`` works and no JSON
escaping of a spreadsheet export is needed.

Phone numbers appear in exactly one response: the contact detail, for the interviewer the contact is
assigned to. Listing, summary and attempt responses use Structs without a phone field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import FromPath, JSONBody, QueryParameter
from msgspec import Meta

from api.services import services_of
from api.web.auth import ADMIN, ANALYSTS, READERS, allow
from api.web.routes_common import Limit, Offset, to_output, to_page
from api.web.schemas import PageOut
from survey_engine.actors import Actor
from survey_engine.fieldwork.dispositions import STATUSES

INTERVIEWERS = allow("interviewer")
PHONE_STAFF = allow("admin", "statistician", "interviewer")  # agency users: not their data (403)
CSV_TYPES = ("text/csv", "application/csv", "text/plain")

ContactCode = Annotated[str, Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$")]
Status = Annotated[str, QueryParameter(description="contact status: " + ", ".join(STATUSES))]


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    """Unknown fields are a client error (422), never silently dropped."""


class ImportOut(msgspec.Struct):
    wave: str
    imported: int
    assigned: int


class AssignIn(Strict):
    contacts: Annotated[list[ContactCode], Meta(min_length=1, max_length=20000)]
    interviewer: Annotated[str, Meta(min_length=3, max_length=254)] | None


class AssignOut(msgspec.Struct):
    wave: str
    assigned: int
    interviewer: str | None


class ContactOut(msgspec.Struct):
    """A contact as listed: no phone number, no dossier hash."""

    wave: str
    code: str
    agency: str
    service_point: str | None
    assigned_to: str | None
    status: str
    attempts: int
    callback_at: datetime | None
    updated_at: datetime


class AttemptOut(msgspec.Struct):
    at: datetime
    disposition: str
    outcome: str
    callback_at: datetime | None
    note: str
    interviewer: str


class ContactDetailOut(ContactOut):
    phone: str | None  # only for the assigned interviewer while the wave is open; otherwise null
    history: list[AttemptOut]


class AttemptIn(Strict):
    disposition: Annotated[str, Meta(min_length=1, max_length=8, description="AAPOR code, e.g. 2.11, 2.211")]
    callback_at: datetime | None = None
    note: Annotated[str, Meta(max_length=500)] = ""


class PurgeOut(msgspec.Struct):
    wave: str
    purged: int


class AgencyCountsOut(msgspec.Struct):
    agency: str
    total: int
    by_status: dict[str, int]


class SummaryOut(msgspec.Struct):
    wave: str
    total: int
    by_status: dict[str, int]
    agencies: list[AgencyCountsOut]


@dataclass
class CsvUploadOperation(Operation):
    """Documents the CSV body: Litestar decodes any ``data`` parameter that is not a form as JSON,
    so the handler reads ``request.body()`` and the OpenAPI request body is declared here."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            content={
                "text/csv": OpenAPIMediaType(
                    schema=Schema(
                        type=OpenAPIType.STRING,
                        description="UTF-8 (BOM tolerated), comma or semicolon separated; header "
                        "code,agency,phone[,service_point,dossier_code,assigned_to]",
                    )
                )
            },
            required=True,
        )


def _secret_key(request: Request[Any, Any, Any]) -> str:
    return str(services_of(request).settings.secret_key)


class WaveContactController(Controller):
    path = "/api/v1/waves/{wave:str}/contacts"
    tags = ["phone"]

    @post(
        "/import",
        summary="Import contacts from a CSV (text/csv): code, agency, phone[, service_point, dossier_code, "
        "assigned_to]; all rows or none",
        guards=[ANALYSTS],
        status_code=201,
        operation_class=CsvUploadOperation,
    )
    async def import_contacts(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        wave: FromPath[str],
    ) -> ImportOut:
        media_type = request.content_type[0]
        if media_type not in CSV_TYPES:
            raise HTTPException(status_code=415, detail=f"send the file as text/csv, not {media_type}")
        # Request.body() applies the app's 1 MiB limit (413) like any other body.
        data = await request.body()
        result = await services_of(request).phone.import_contacts(actor, wave, data, _secret_key(request))
        return to_output(ImportOut, result)

    @post(
        "/assign",
        summary="Assign contacts to an interviewer (null: unassign)",
        guards=[ANALYSTS],
        status_code=200,
    )
    async def assign(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        wave: FromPath[str],
        data: JSONBody[AssignIn],
    ) -> AssignOut:
        return to_output(
            AssignOut,
            await services_of(request).phone.assign(actor, wave, data.contacts, data.interviewer),
        )

    @post("/purge", summary="Erase every phone number of the wave", guards=[ADMIN], status_code=200)
    async def purge(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], wave: FromPath[str]
    ) -> PurgeOut:
        return to_output(PurgeOut, await services_of(request).phone.purge_wave(actor, wave))

    @get("/summary", summary="Contacts per status, overall and per agency", guards=[READERS])
    async def summary(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], wave: FromPath[str]
    ) -> SummaryOut:
        return to_output(SummaryOut, await services_of(request).phone.summary(actor, wave))


class PhoneContactController(Controller):
    path = "/api/v1/phone/contacts"
    tags = ["phone"]

    @get(
        "/",
        summary="Contacts to call (an interviewer: those assigned to them in open waves); no phone numbers",
        guards=[PHONE_STAFF],
    )
    async def list_contacts(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        limit: Limit = 50,
        offset: Offset = 0,
        wave: Annotated[str | None, QueryParameter(description="wave code")] = None,
        status: Annotated[str | None, QueryParameter(description="status: " + ", ".join(STATUSES))] = None,
        agency: Annotated[str | None, QueryParameter(description="agency code")] = None,
    ) -> PageOut[ContactOut]:
        return to_page(
            ContactOut,
            await services_of(request).phone.list_contacts(actor, limit, offset, wave, status, agency),
        )

    @get(
        "/{wave:str}/{code:str}",
        summary="One contact with its calls; the phone number only for its interviewer",
        guards=[PHONE_STAFF],
    )
    async def get_contact(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        wave: FromPath[str],
        code: FromPath[str],
    ) -> ContactDetailOut:
        return to_output(ContactDetailOut, await services_of(request).phone.get_contact(actor, wave, code))

    @post(
        "/{wave:str}/{code:str}/attempts",
        summary="Record a call with its AAPOR disposition (2.211 = callback, needs callback_at)",
        guards=[INTERVIEWERS],
        status_code=201,
    )
    async def record_attempt(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        wave: FromPath[str],
        code: FromPath[str],
        data: JSONBody[AttemptIn],
    ) -> ContactOut:
        contact = await services_of(request).phone.record_attempt(
            actor, wave, code, data.disposition, data.callback_at, data.note
        )
        return to_output(ContactOut, contact)


PHONE_HANDLERS: list[Any] = [WaveContactController, PhoneContactController]
