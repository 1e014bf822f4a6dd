"""Piccolo tables: the platform's core data model (map, agencies, questionnaires, waves, staff, submissions,
kiosks, phone contacts, frames, samples, weights, rate counts).

Portable column types only (the same schema must behave identically on SQLite and PostgreSQL):
JSON is stored as text on SQLite, timestamps are timezone-aware, lengths are validated at the
HTTP boundary because SQLite does not enforce VARCHAR lengths. Migrations are additive.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table


class AdminUnit(Table, tablename="admin_unit"):
    """An administrative unit in one version of the map (provinces merged on 1 July 2025).

    A unit is identified by ``code`` within ``unit_version``; ``valid_from``/``valid_to`` bound
    the period in which that version applies, so results can say which map they use. Which unit became
    which across versions is in ``survey_engine.tables.map_changes``.
    """

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    code = Varchar(length=32, index=True)
    unit_version = Varchar(length=32, index=True)
    name_vi = Varchar(length=200)
    name_en = Varchar(length=200)
    level = Varchar(length=16)  # province | district | commune
    parent_code = Varchar(length=32, null=True, default=None)
    valid_from = Date()
    valid_to = Date(null=True, default=None)
    # Resident population (None: not known); weighs the unit when merged units' figures are combined.
    population = BigInt(null=True, default=None)


class Province(Table, tablename="province"):
    """A province as a tenant of the deployment: every agency, wave and province account belongs to one.

    Tenancy is organisational, not geographic: ``unit_code`` links the tenant to its province-level unit on
    the current map, but the tenant itself survives map changes (the 2025 merger gave 34 tenants).
    """

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    code = Varchar(length=32, unique=True, index=True)
    name_vi = Varchar(length=200)
    name_en = Varchar(length=200)
    unit_code = Varchar(length=32, null=True, default=None)
    active = Boolean(default=True)
    created_at = Timestamptz()


class Agency(Table, tablename="agency"):
    """A state administrative agency whose services are rated (a department, a commune People's Committee)."""

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    code = Varchar(length=32, unique=True, index=True)
    name_vi = Varchar(length=300)
    name_en = Varchar(length=300)
    level = Varchar(length=16)  # province | district | commune
    parent: ForeignKey[Agency] = ForeignKey("self", null=True, on_delete=OnDelete.restrict)
    unit = ForeignKey(AdminUnit, null=True, on_delete=OnDelete.restrict)
    active = Boolean(default=True)
    created_at = Timestamptz()
    # Null only in a database migrated from before tenancy until its data step ran; services always set it.
    province = ForeignKey(Province, null=True, on_delete=OnDelete.restrict, index=True)


class ServicePoint(Table, tablename="service_point"):
    """A place or channel where citizens are served; its public token is what QR codes carry."""

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    code = Varchar(length=48, unique=True, index=True)
    agency = ForeignKey(Agency, on_delete=OnDelete.restrict, index=True)
    name_vi = Varchar(length=300)
    name_en = Varchar(length=300)
    kind = Varchar(length=24)  # counter | service_centre | online | phone
    # Public, unguessable (>= 128 bits) and rotatable; printed on posters, so not a secret.
    public_token = Varchar(length=64, unique=True, index=True)
    active = Boolean(default=True)
    created_at = Timestamptz()


class Questionnaire(Table, tablename="questionnaire"):
    """A questionnaire being edited; publishing freezes its draft as a new immutable version."""

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    code = Varchar(length=64, unique=True, index=True)
    title_vi = Varchar(length=300)
    title_en = Varchar(length=300)
    draft_definition = JSON()
    created_at = Timestamptz()
    updated_at = Timestamptz()
    # The province whose staff may change it (and national accounts); None: the national library, changed
    # by national accounts only. Every account reads every questionnaire (a published version is public).
    province = ForeignKey(Province, on_delete=OnDelete.restrict, null=True, default=None)


class QuestionnaireVersion(Table, tablename="questionnaire_version"):
    """An immutable published version of a questionnaire: no code path updates these rows."""

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    questionnaire = ForeignKey(Questionnaire, on_delete=OnDelete.restrict, index=True)
    version = Integer()
    definition = JSON()
    checksum = Varchar(length=64)
    published_at = Timestamptz()
    published_by = Integer(null=True, default=None)


class Wave(Table, tablename="wave"):
    """A survey wave: one questionnaire version, a period, the agencies and points it covers."""

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    code = Varchar(length=48, unique=True, index=True)
    name_vi = Varchar(length=300)
    name_en = Varchar(length=300)
    questionnaire_version = ForeignKey(QuestionnaireVersion, on_delete=OnDelete.restrict)
    period_start = Date()
    period_end = Date()
    channels = JSON()  # list of: online | kiosk | phone | paper
    status = Varchar(length=16, default="draft")  # draft | open | closed
    unit_version = Varchar(length=32)
    settings = JSON()
    created_at = Timestamptz()
    updated_at = Timestamptz()
    province = ForeignKey(Province, null=True, on_delete=OnDelete.restrict, index=True)


class WaveAgency(Table, tablename="wave_agency"):
    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only
    wave = ForeignKey(Wave, on_delete=OnDelete.cascade, index=True)
    agency = ForeignKey(Agency, on_delete=OnDelete.restrict, index=True)


class WaveServicePoint(Table, tablename="wave_service_point"):
    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only
    wave = ForeignKey(Wave, on_delete=OnDelete.cascade, index=True)
    service_point = ForeignKey(ServicePoint, on_delete=OnDelete.restrict, index=True)


class StaffUser(Table, tablename="staff_user"):
    """A staff account. Only an argon2 hash of the password is stored."""

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    email = Varchar(length=254, unique=True, index=True)
    display_name = Varchar(length=200, default="")
    password_hash = Varchar(length=255)
    role = Varchar(length=16)  # admin | statistician | agency | interviewer
    agency = ForeignKey(Agency, null=True, on_delete=OnDelete.restrict)
    active = Boolean(default=True)
    failed_logins = Integer(default=0)
    locked_until = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    last_login_at = Timestamptz(null=True, default=None)
    # The province the account works in; null for a national account (the deployment's administrators
    # and the ministry's read-only role), which sees every province.
    province = ForeignKey(Province, null=True, on_delete=OnDelete.restrict, index=True)


class ApiToken(Table, tablename="api_token"):
    """A bearer token or browser session. Only the SHA-256 of the (256-bit random) token is stored."""

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    user = ForeignKey(StaffUser, on_delete=OnDelete.cascade, index=True)
    token_hash = Varchar(length=64, unique=True, index=True)
    kind = Varchar(length=16)  # session | bearer
    created_at = Timestamptz()
    expires_at = Timestamptz()
    revoked = Boolean(default=False)


class Submission(Table, tablename="submission"):
    """One stored response. ``client_id`` is the client-generated idempotency key; no IP address is kept."""

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    client_id = Varchar(length=36, unique=True)  # the unique constraint is its index
    # Not indexed alone: the indexes led by the wave serve every query by wave (migration 2026-12-06T23:20).
    wave = ForeignKey(Wave, on_delete=OnDelete.restrict)
    service_point = ForeignKey(ServicePoint, on_delete=OnDelete.restrict)
    agency = ForeignKey(Agency, on_delete=OnDelete.restrict, index=True)
    questionnaire_version = Integer()
    channel = Varchar(length=16)  # online | kiosk | phone | paper
    language = Varchar(length=2)
    started_at = Timestamptz(null=True, default=None)
    submitted_at = Timestamptz(null=True, default=None)
    received_at = Timestamptz()
    duration_seconds = Integer(null=True, default=None)
    answers = JSON()
    body_hash = Varchar(length=64)  # decides "same id, same body" (200) from "same id, other body" (409)
    dossier_hash = Varchar(length=64, null=True, default=None)  # indexed with the wave (unique)
    device = Varchar(length=64, null=True, default=None)
    interviewer = Integer(null=True, default=None)
    # False for a break-off kept by a kiosk after its idle timeout (wave setting kiosk_idle = "keep"):
    # stored for the record, excluded from estimates unless asked for.
    complete = Boolean(default=True)
    # The criteria answers in questionnaire order, one character each ("1"–"5", "0" don't know,
    # "." not answered): estimation reads this column instead of parsing every JSON answer set.
    codes = Text(null=True, default=None)
    # The officer who handled the dossier, as the one-stop system codes officers (counter ratings it sends).
    officer = Varchar(length=64, null=True, default=None)


class AuditLog(Table, tablename="audit_log"):
    """Who changed what among staff-managed objects. Never holds passwords or personal data."""

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    at = Timestamptz()
    actor = Integer(null=True, default=None)
    actor_email = Varchar(length=254, default="")
    action = Varchar(length=32)
    object_type = Varchar(length=32)
    object_key = Varchar(length=64)
    details = JSON()


CORE_TABLES: tuple[type[Table], ...] = (
    AdminUnit,
    Province,
    Agency,
    ServicePoint,
    Questionnaire,
    QuestionnaireVersion,
    Wave,
    WaveAgency,
    WaveServicePoint,
    StaffUser,
    ApiToken,
    Submission,
    AuditLog,
)


class KioskDevice(Table, tablename="kiosk_device"):
    """A tablet registered by staff to run the kiosk form of one service point.

    The device token travels in the ``X-Kiosk-Device`` header; only its SHA-256 is stored.
    Revoking a device makes its queued submissions answer 401 (they are not stored).
    """

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    service_point = ForeignKey(ServicePoint, on_delete=OnDelete.restrict, index=True)
    name = Varchar(length=100)
    token_hash = Varchar(length=64, unique=True, index=True)
    created_at = Timestamptz()
    created_by = Integer(null=True, default=None)
    last_seen_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class Contact(Table, tablename="contact"):
    """A person to interview by phone in a wave. The phone number is purged when the wave closes
    and never leaves the interviewer screens (not in exports, not in logs)."""

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    wave = ForeignKey(Wave, on_delete=OnDelete.restrict, index=True)
    code = Varchar(length=48)  # unique within the wave (index in the migration)
    agency = ForeignKey(Agency, on_delete=OnDelete.restrict, index=True)
    service_point = ForeignKey(ServicePoint, null=True, on_delete=OnDelete.restrict)
    phone = Varchar(length=32, null=True, default=None)
    dossier_hash = Varchar(length=64, null=True, default=None)
    assigned_to = ForeignKey(StaffUser, null=True, on_delete=OnDelete.restrict, index=True)
    status = Varchar(length=16, default="pending")  # pending | callback | complete | partial | refusal | …
    callback_at = Timestamptz(null=True, default=None)
    attempts = Integer(default=0)
    submission_client_id = Varchar(length=36, null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class CallAttempt(Table, tablename="call_attempt"):
    """One call to a contact with its AAPOR disposition code."""

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    contact = ForeignKey(Contact, on_delete=OnDelete.cascade, index=True)
    interviewer = ForeignKey(StaffUser, on_delete=OnDelete.restrict)
    at = Timestamptz()
    disposition = Varchar(length=8)  # AAPOR code, e.g. 1.1 complete, 2.11 refusal, 3.2 non-contact
    outcome = Varchar(length=16)  # complete | partial | refusal | non_contact | ineligible | callback
    callback_at = Timestamptz(null=True, default=None)
    note = Varchar(length=500, default="")


CORE_TABLES = (*CORE_TABLES, KioskDevice, Contact, CallAttempt)


# -- Frames, samples and weights (survey_engine/fieldwork/: frames.py, samples.py, weights.py) --------


class Frame(Table, tablename="frame"):
    """One imported list of completed dossiers (a sampling frame, khung mẫu) for a wave.

    A wave may receive several imports (e.g. one per month) until its sample is drawn; together they
    form the wave's frame. Dossier codes are never stored in clear: only their keyed hash.
    """

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    wave = ForeignKey(Wave, on_delete=OnDelete.restrict, index=True)
    name = Varchar(length=200)
    imported_at = Timestamptz()
    imported_by = Integer(null=True, default=None)
    row_count = Integer()
    unit_version = Varchar(length=32)
    file_sha256 = Varchar(length=64)


class FrameUnit(Table, tablename="frame_unit"):
    """One completed dossier of a frame; unique per (wave, dossier_hash) (index in a raw-SQL migration)."""

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    frame = ForeignKey(Frame, on_delete=OnDelete.cascade, index=True)
    wave = ForeignKey(Wave, on_delete=OnDelete.restrict, index=True)
    dossier_hash = Varchar(length=64)
    agency = ForeignKey(Agency, on_delete=OnDelete.restrict, index=True)
    field = Varchar(length=200)  # lĩnh vực
    completed_on = Date()
    phone = Varchar(length=32, null=True, default=None)  # +84…; purged when the wave closes
    demographics = JSON(default="{}")  # e.g. {"sex": "nu", "age_band": "25-34"}
    stratum = Varchar(length=300, default="")  # set by the draw
    row_number = Integer()  # rows[i] of its file


class Sample(Table, tablename="sample"):
    """The sample drawn for a wave (one per wave), with the seed and plan that reproduce it."""

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    wave = ForeignKey(Wave, on_delete=OnDelete.restrict, unique=True, index=True)
    seed = BigInt()
    method = Varchar(length=16)  # srs | systematic
    strata = JSON()  # ["agency"] or ["agency", "field"]
    plan = JSON()  # the allocation that was drawn, with its parameters
    frame_rows = Integer()
    n = Integer()
    drawn_at = Timestamptz()
    drawn_by = Integer(null=True, default=None)


class SampleUnit(Table, tablename="sample_unit"):
    """A sampled frame unit with its design variables and (once computed) its weights."""

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    sample = ForeignKey(Sample, on_delete=OnDelete.cascade, index=True)
    wave = ForeignKey(Wave, on_delete=OnDelete.restrict, index=True)
    frame_unit = ForeignKey(FrameUnit, on_delete=OnDelete.restrict, unique=True)
    dossier_hash = Varchar(length=64, index=True)
    agency = ForeignKey(Agency, on_delete=OnDelete.restrict, index=True)
    stratum = Varchar(length=300)
    stratum_population = Integer()  # N_h (the FPC)
    stratum_sample = Integer()  # n_h
    inclusion_probability = DoublePrecision()
    base_weight = DoublePrecision()
    contact_code = Varchar(length=48, null=True, default=None)
    status = Varchar(length=16, default="pending")  # fieldwork status at the last weighting
    nonresponse_class = Varchar(length=300, null=True, default=None)
    adjusted_weight = DoublePrecision(null=True, default=None)  # after the nonresponse adjustment
    final_weight = DoublePrecision(null=True, default=None)  # after calibration and trimming
    weighted_at = Timestamptz(null=True, default=None)


class WeightRun(Table, tablename="weight_run"):
    """One computation of a wave's weights: its options and diagnostics (the latest one is current)."""

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    wave = ForeignKey(Wave, on_delete=OnDelete.restrict, index=True)
    computed_at = Timestamptz()
    computed_by = Integer(null=True, default=None)
    trigger = Varchar(length=16)  # request | close
    options = JSON()
    diagnostics = JSON()


CORE_TABLES = (*CORE_TABLES, Frame, FrameUnit, Sample, SampleUnit, WeightRun)


class SubmissionRate(Table, tablename="submission_rate"):
    """Submissions stored in the current one-minute window per service point or kiosk device: the rate
    limit, counted in the database so that every server process and host sees the same counts.

    One row per key: the first submission of a new window resets the row, so old windows need no pruning.
    """

    # "p:<service point id>" or "d:<kiosk device id>". The primary key, not a serial id: every upsert would
    # draw a sequence value on PostgreSQL (even when it updates), and a 32-bit serial would run out.
    rate_key = Varchar(length=32, primary_key=True)
    window_start_ms = BigInt()  # when the window began (the first counted submission): Unix time in ms
    hits = Integer()


CORE_TABLES = (*CORE_TABLES, SubmissionRate)
