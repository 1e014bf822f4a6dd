"""The phone contact a phone interview completes, checked before the interview's answers are stored.

A phone submission that names a contact completes it (:meth:`PhoneService.mark_complete`) once the
answers are committed. Everything that would make that step fail is checked here first, so that a refused
interview stores nothing: the contact is looked up in the wave of the service point's form, must be
assigned to the staff member entering the interview, must belong to the form's agency (and to its service
point when the contact names an active one) and must still be open to completion.
"""

from __future__ import annotations

from survey_engine.errors import Conflict, FieldProblem, InvalidInput, NotFound
from survey_engine.fieldwork.dispositions import FINAL_STATUSES
from survey_engine.tables import Contact, ServicePoint, WaveServicePoint


async def contact_for_submission(
    code: str,
    interviewer_id: int,
    wave_id: int,
    agency_id: int,
    service_point_id: int,
    client_id: str,
) -> int:
    """The id of contact ``code`` that submission ``client_id`` may complete.

    ``wave_id``, ``agency_id`` and ``service_point_id`` are those of the form the submission is entered
    on. Raises NotFound when the wave has no such contact or it is not assigned to ``interviewer_id`` (as
    if it did not exist), InvalidInput (field ``contact``) when it belongs to another agency or service
    point, Conflict when its wave is not open or it is already complete with another submission or
    ineligible. A replay of the submission that completed it passes.
    """
    row = (
        await Contact.select(
            Contact.id,
            Contact.status,
            Contact.assigned_to,
            Contact.submission_client_id,
            Contact.agency,
            Contact.service_point,
            Contact.service_point.code.as_alias("point_code"),
            Contact.service_point.active.as_alias("point_active"),
            Contact.wave.status.as_alias("wave_status"),
        )
        .where((Contact.wave == wave_id) & (Contact.code == code))
        .first()
    )
    if row is None or row["assigned_to"] != interviewer_id:
        raise NotFound(f"no contact {code} assigned to you in this survey wave")
    if row["agency"] != agency_id:
        # Agencies see their own responses only: an interview must count for the contact's agency.
        raise InvalidInput(
            f"contact {code} belongs to another agency than this service point",
            [FieldProblem("contact", "belongs to another agency", "other_agency")],
        )
    if row["service_point"] is not None and row["point_active"] and row["service_point"] != service_point_id:
        # The interviewer pages use the contact's own point while it is active, else one of its agency.
        raise InvalidInput(
            f"contact {code} belongs to service point {row['point_code']}",
            [FieldProblem("contact", f"belongs to service point {row['point_code']}", "other_service_point")],
        )
    # The conditions of PhoneService.mark_complete, which runs after the commit.
    if row["status"] == "complete":
        if row["submission_client_id"] != client_id:
            raise Conflict(f"contact {code} is already complete with another submission")
    elif row["wave_status"] != "open":
        raise Conflict(f"the wave of contact {code} is not open", "closed")
    elif row["status"] in FINAL_STATUSES:
        raise Conflict(f"contact {code} is {row['status']}")
    return int(row["id"])


async def form_token_for_contact(contact_id: int) -> str | None:
    """The public token of the form a contact is interviewed on: the contact's service point, else a
    service point of its agency in the wave (a ``phone`` point first), else any active point of the agency
    (a wave listing agencies only covers all their points)."""
    row = (
        await Contact.select(
            Contact.wave,
            Contact.agency,
            Contact.service_point.public_token.as_alias("token"),
            Contact.service_point.active.as_alias("active"),
        )
        .where(Contact.id == contact_id)
        .first()
    )
    if row is None:
        return None
    if row["token"] and row["active"]:
        return str(row["token"])
    in_wave = await WaveServicePoint.select(
        WaveServicePoint.service_point.public_token.as_alias("token"),
        WaveServicePoint.service_point.kind.as_alias("kind"),
        WaveServicePoint.service_point.id.as_alias("id"),
    ).where(
        (WaveServicePoint.wave == row["wave"])
        & (WaveServicePoint.service_point.agency == row["agency"])
        & (WaveServicePoint.service_point.active == True)  # noqa: E712 - Piccolo builds SQL from ==
    )
    if not in_wave:
        in_wave = await ServicePoint.select(
            ServicePoint.public_token.as_alias("token"), ServicePoint.kind, ServicePoint.id
        ).where((ServicePoint.agency == row["agency"]) & (ServicePoint.active == True))  # noqa: E712
    if not in_wave:
        return None
    best = min(in_wave, key=lambda r: (r["kind"] != "phone", r["id"]))
    return str(best["token"])
