"""msgspec Structs at the HTTP boundary. Lengths and patterns are checked here because SQLite does not
enforce VARCHAR lengths: the same request must pass or fail identically on both engines."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

import msgspec
from msgspec import UNSET, Meta, UnsetType

Code = Annotated[
    str, Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$", description="letters, digits, . _ -")
]
LongCode = Annotated[str, Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$")]
Name = Annotated[str, Meta(min_length=1, max_length=300)]
Email = Annotated[str, Meta(min_length=3, max_length=254)]
Password = Annotated[str, Meta(min_length=1, max_length=256)]
Role = Literal["admin", "statistician", "agency", "interviewer", "data_entry", "ministry"]
Level = Literal["province", "district", "commune"]
ServicePointKind = Literal["counter", "service_centre", "online", "phone"]
Channel = Literal["online", "kiosk", "phone", "paper"]
WaveStatus = Literal["draft", "open", "closed"]

T = TypeVar("T")


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    """Unknown fields are a client error (422), never silently dropped."""


def set_fields(struct: msgspec.Struct) -> dict[str, Any]:
    """The fields a PATCH body actually carried."""
    return {f: getattr(struct, f) for f in struct.__struct_fields__ if getattr(struct, f) is not UNSET}


class PageOut(msgspec.Struct, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


# -- auth -------------------------------------------------------------------------------------------


class LoginIn(Strict):
    email: Email
    password: Password


class LoginOut(msgspec.Struct):
    token: str
    token_type: str
    expires_in: int
    user: UserOut


class PasswordChangeIn(Strict):
    current_password: Password
    new_password: Password


# -- users ------------------------------------------------------------------------------------------


class UserOut(msgspec.Struct):
    id: int
    email: str
    display_name: str
    role: str
    agency: str | None
    active: bool
    province: Annotated[
        str | None, Meta(description="the account's province; null for a national account")
    ] = None


class UserIn(Strict):
    email: Email
    password: Password
    role: Role
    agency: Code | None = None
    province: Annotated[
        Code | None,
        Meta(
            description="the account's province (a province account's own by default; national accounts "
            "name it, or leave it out for an administrator of the whole deployment or the ministry)"
        ),
    ] = None
    display_name: Annotated[str, Meta(max_length=200)] = ""


class UserPatch(Strict):
    display_name: Annotated[str, Meta(max_length=200)] | UnsetType = UNSET
    role: Role | UnsetType = UNSET
    agency: Code | UnsetType | None = UNSET
    province: Code | UnsetType | None = UNSET
    active: bool | UnsetType = UNSET
    password: Password | UnsetType = UNSET


class MePatch(Strict):
    """What users may change about themselves: not their role, agency or status."""

    display_name: Annotated[str, Meta(max_length=200)] | UnsetType = UNSET


# -- agencies and service points --------------------------------------------------------------------


class AgencyOut(msgspec.Struct):
    code: str
    name_vi: str
    name_en: str
    level: str
    parent: str | None
    unit: str | None
    unit_version: str | None
    active: bool
    province: str | None = None


NewProvince = Annotated[
    Code | None,
    Meta(
        description="the tenant province's code: a province account's own by default; a national "
        "administrator names it unless the deployment has a single province"
    ),
]


class AgencyIn(Strict):
    code: Code
    name_vi: Name
    name_en: Name
    level: Level
    parent: Code | None = None
    unit: Code | None = None
    unit_version: Annotated[str, Meta(max_length=32)] | None = None
    province: NewProvince = None


class AgencyPatch(Strict):
    name_vi: Name | UnsetType = UNSET
    name_en: Name | UnsetType = UNSET
    level: Level | UnsetType = UNSET
    parent: Code | UnsetType | None = UNSET
    unit: Code | UnsetType | None = UNSET
    unit_version: Annotated[str, Meta(max_length=32)] | UnsetType | None = UNSET
    active: bool | UnsetType = UNSET


class ServicePointOut(msgspec.Struct):
    code: str
    agency: str
    name: str
    name_vi: str
    name_en: str
    kind: str
    token: str
    active: bool
    online_url: str
    kiosk_url: str


class ServicePointIn(Strict):
    code: LongCode
    agency: Code
    name_vi: Name
    name_en: Name
    kind: ServicePointKind


class ServicePointPatch(Strict):
    agency: Code | UnsetType = UNSET
    name_vi: Name | UnsetType = UNSET
    name_en: Name | UnsetType = UNSET
    kind: ServicePointKind | UnsetType = UNSET
    active: bool | UnsetType = UNSET


# -- questionnaires ---------------------------------------------------------------------------------


class QuestionnaireSummary(msgspec.Struct):
    code: str
    title_vi: str
    title_en: str
    versions: list[int]
    province: str | None = None  # the province whose staff change it; null: the national library


class VersionInfo(msgspec.Struct):
    version: int
    checksum: str
    published_at: datetime


class QuestionnaireOut(msgspec.Struct):
    code: str
    title_vi: str
    title_en: str
    draft: dict[str, Any]
    versions: list[VersionInfo]
    province: str | None = None  # the province whose staff change it; null: the national library


class QuestionnaireIn(Strict):
    """Either a full definition, or the id of a built-in template to start from."""

    definition: dict[str, Any] | None = None
    template: Annotated[str, Meta(max_length=64)] | None = None


class QuestionnaireDraftIn(Strict):
    definition: dict[str, Any]


class QuestionnaireVersionOut(msgspec.Struct):
    code: str
    label: str
    version: int
    checksum: str
    published_at: datetime
    definition: dict[str, Any]


# -- waves ------------------------------------------------------------------------------------------


class WaveOut(msgspec.Struct):
    code: str
    name_vi: str
    name_en: str
    questionnaire: str
    questionnaire_version: int
    period_start: date
    period_end: date
    channels: list[str]
    status: str
    unit_version: str
    settings: dict[str, Any]
    agencies: list[str]
    service_points: list[str]
    province: str | None = None


class WaveIn(Strict):
    code: LongCode
    name_vi: Name
    name_en: Name
    questionnaire: Annotated[str, Meta(max_length=64)]
    questionnaire_version: Annotated[int, Meta(ge=1)]
    period_start: date
    period_end: date
    channels: Annotated[list[Channel], Meta(min_length=1, max_length=4)]
    agencies: Annotated[list[Code], Meta(max_length=5000)] = []
    service_points: Annotated[list[LongCode], Meta(max_length=20000)] = []
    unit_version: Annotated[str, Meta(min_length=1, max_length=32)] = "2025-07"
    settings: dict[str, Any] = {}
    province: NewProvince = None


class WavePatch(Strict):
    name_vi: Name | UnsetType = UNSET
    name_en: Name | UnsetType = UNSET
    questionnaire: Annotated[str, Meta(max_length=64)] | UnsetType = UNSET
    questionnaire_version: Annotated[int, Meta(ge=1)] | UnsetType = UNSET
    period_start: date | UnsetType = UNSET
    period_end: date | UnsetType = UNSET
    channels: Annotated[list[Channel], Meta(min_length=1, max_length=4)] | UnsetType = UNSET
    agencies: Annotated[list[Code], Meta(max_length=5000)] | UnsetType = UNSET
    service_points: Annotated[list[LongCode], Meta(max_length=20000)] | UnsetType = UNSET
    unit_version: Annotated[str, Meta(min_length=1, max_length=32)] | UnsetType = UNSET
    settings: dict[str, Any] | UnsetType = UNSET


class ProvinceOut(msgspec.Struct):
    code: str
    name_vi: str
    name_en: str
    unit_code: str | None
    active: bool
    created_at: datetime
    agencies: int
    waves: int
    accounts: int


class ProvinceIn(Strict):
    code: Code
    name_vi: Name
    name_en: Name
    unit_code: Annotated[Code | None, Meta(description="the province-level administrative unit")] = None


class ProvincePatch(Strict):
    name_vi: Name | UnsetType = UNSET
    name_en: Name | UnsetType = UNSET
    unit_code: Code | UnsetType | None = UNSET
    active: bool | UnsetType = UNSET


class WaveStatusIn(Strict):
    status: WaveStatus


# -- misc -------------------------------------------------------------------------------------------


class HealthOut(msgspec.Struct):
    status: Annotated[str, Meta(description="ok, degraded or unavailable")]
    database: str
    version: str
    database_state: Annotated[
        str,
        Meta(
            description="ok, or why not: locked, disk_full, io_error, read_only, overloaded, unreachable, "
            "timeout"
        ),
    ] = "ok"


class AuditEntryOut(msgspec.Struct):
    id: int
    at: datetime
    actor_email: str
    action: str
    object_type: str
    object_key: str
    details: dict[str, Any]


class FormOut(msgspec.Struct):
    token: str
    service_point: str
    service_point_name: dict[str, str]
    agency: str
    agency_name: dict[str, str]
    wave: str
    channels: list[str]
    questionnaire: str
    version: str
    definition: dict[str, Any]
