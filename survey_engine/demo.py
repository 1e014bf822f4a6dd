"""The demo province: agencies at two levels, service points, staff of every role, the built-in
questionnaires, an open wave and simulated responses. Seeding is idempotent: existing objects are
kept, missing ones created, and responses topped up to the requested number."""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from survey_engine.actors import SYSTEM
from survey_engine.administration.agencies import AgencyService, ServicePointService
from survey_engine.administration.questionnaires import QuestionnaireService, definition_json
from survey_engine.administration.staff import StaffService
from survey_engine.administration.waves import WaveService
from survey_engine.answer_codes import criteria_layout
from survey_engine.questionnaire import get_template, list_templates
from survey_engine.simulate import simulate_answers
from survey_engine.tables import (
    AdminUnit,
    Agency,
    KioskDevice,
    Province,
    Questionnaire,
    ServicePoint,
    StaffUser,
    Submission,
    Wave,
)
from survey_engine.transactions import write_transaction

UNIT_VERSION = "2025-07"  # the map in force since the merger of provinces on 1 July 2025
PROVINCE = ("AB", "Tỉnh An Bình (minh họa)", "An Binh Province (demo)")
DEPARTMENTS = (
    ("SO-TP", "Sở Tư pháp", "Department of Justice"),
    ("SO-TC", "Sở Tài chính", "Department of Finance"),
    ("SO-XD", "Sở Xây dựng", "Department of Construction"),
    ("SO-NNMT", "Sở Nông nghiệp và Môi trường", "Department of Agriculture and Environment"),
    ("SO-YT", "Sở Y tế", "Department of Health"),
    ("SO-GDDT", "Sở Giáo dục và Đào tạo", "Department of Education and Training"),
    ("SO-NV", "Sở Nội vụ", "Department of Home Affairs"),
    ("SO-CT", "Sở Công Thương", "Department of Industry and Trade"),
    ("SO-KHCN", "Sở Khoa học và Công nghệ", "Department of Science and Technology"),
    ("SO-VHTTDL", "Sở Văn hóa, Thể thao và Du lịch", "Department of Culture, Sports and Tourism"),
)
COMMUNES = (
    ("P-ANBINH", "phường An Bình", "An Binh Ward"),
    ("P-BINHMINH", "phường Bình Minh", "Binh Minh Ward"),
    ("X-TANPHU", "xã Tân Phú", "Tan Phu Commune"),
    ("X-HOALOI", "xã Hòa Lợi", "Hoa Loi Commune"),
    ("X-PHUOCAN", "xã Phước An", "Phuoc An Commune"),
    ("X-DONGHOA", "xã Đông Hòa", "Dong Hoa Commune"),
)
ONLINE_DEPARTMENTS = ("SO-TP", "SO-TC", "SO-XD")
WAVE_CODE = "AB-2026"
WAVE_QUESTIONNAIRE = "sipas-2023"
STAFF = (
    ("admin@demo.sipas.vn", "admin", None),
    ("thongke@demo.sipas.vn", "statistician", None),
    ("so-tp@demo.sipas.vn", "agency", "SO-TP"),
    ("p-anbinh@demo.sipas.vn", "agency", "P-ANBINH"),
    ("dieutravien@demo.sipas.vn", "interviewer", None),
)


@dataclass
class DemoResult:
    wave: str
    questionnaire: str
    agencies: list[str]
    service_points: list[dict[str, str]]
    staff: list[dict[str, str]]
    responses: int
    created: dict[str, int] = field(default_factory=dict)


async def _exists(table: type, code: str) -> bool:
    return bool(await table.exists().where(table.code == code))  # type: ignore[attr-defined]


async def seed_demo(
    staff: StaffService, passwords: dict[str, str], seed: int = 2026, responses: int = 200
) -> DemoResult:
    """Create what is missing of the demo. ``passwords`` maps each demo e-mail to its password."""
    created = {
        "agencies": 0,
        "service_points": 0,
        "staff": 0,
        "questionnaires": 0,
        "waves": 0,
        "responses": 0,
    }
    today = datetime.now(UTC)
    await _seed_admin_units()
    await _seed_province()
    created["agencies"] = await _seed_agencies()
    wanted_points = _demo_points()
    created["service_points"] = await _seed_service_points(wanted_points)
    staff_out, created["staff"] = await _seed_staff(staff, passwords)
    created["questionnaires"] = await _seed_questionnaires()

    agency_codes = [c for c, _, _ in DEPARTMENTS] + [c for c, _, _ in COMMUNES]
    point_codes = [p[0] for p in wanted_points]
    created["waves"] = await _seed_wave(agency_codes, point_codes, today.year)

    created["responses"] = await _top_up_responses(seed, responses)
    point_rows = (
        await ServicePoint.select(ServicePoint.code, ServicePoint.agency.code, ServicePoint.public_token)
        .where(ServicePoint.code.is_in(point_codes))
        .order_by(ServicePoint.code)
    )
    return DemoResult(
        wave=WAVE_CODE,
        questionnaire=WAVE_QUESTIONNAIRE,
        agencies=agency_codes,
        service_points=[
            {"code": r["code"], "agency": r["agency.code"], "token": r["public_token"]} for r in point_rows
        ],
        staff=staff_out,
        responses=await Submission.count().where(Submission.wave.code == WAVE_CODE),
        created=created,
    )


async def _seed_admin_units() -> None:
    """The demo province and its communes on the unit map (when the province is not there yet)."""
    province_unit = (
        await AdminUnit.select(AdminUnit.id)
        .where((AdminUnit.code == PROVINCE[0]) & (AdminUnit.unit_version == UNIT_VERSION))
        .first()
    )
    if province_unit is not None:
        return
    await AdminUnit.insert(
        AdminUnit(
            code=PROVINCE[0],
            unit_version=UNIT_VERSION,
            name_vi=PROVINCE[1],
            name_en=PROVINCE[2],
            level="province",
            parent_code=None,
            valid_from=date(2025, 7, 1),
            valid_to=None,
        ),
        *[
            AdminUnit(
                code=code,
                unit_version=UNIT_VERSION,
                name_vi=vi,
                name_en=en,
                level="commune",
                parent_code=PROVINCE[0],
                valid_from=date(2025, 7, 1),
                valid_to=None,
            )
            for code, vi, en in COMMUNES
        ],
    )


async def _seed_province() -> None:
    """The demo province as a tenant (named like its unit); everything the demo makes goes in it."""
    if await _exists(Province, PROVINCE[0]):
        return
    await Province.insert(
        Province(
            code=PROVINCE[0],
            name_vi=PROVINCE[1],
            name_en=PROVINCE[2],
            unit_code=PROVINCE[0],
            active=True,
            created_at=datetime.now(UTC),
        )
    )


async def _seed_agencies() -> int:
    """The missing departments and commune people's committees; returns how many were created."""
    agencies = AgencyService()
    wanted = [
        {"code": code, "name_vi": vi, "name_en": en, "level": "province", "unit": PROVINCE[0]}
        for code, vi, en in DEPARTMENTS
    ] + [
        {
            "code": code,
            "name_vi": f"UBND {vi}",
            "name_en": f"{en} People's Committee",
            "level": "commune",
            "unit": code,
        }
        for code, vi, en in COMMUNES
    ]
    created = 0
    for body in wanted:
        if not await _exists(Agency, body["code"]):
            await agencies.create(SYSTEM, {**body, "unit_version": UNIT_VERSION, "province": PROVINCE[0]})
            created += 1
    return created


def _demo_points() -> list[tuple[str, str, str, str, str]]:
    """(code, agency, name_vi, name_en, kind) of every demo service point, in creation order."""
    wanted_points = []
    for code, vi, en in DEPARTMENTS:
        wanted_points.append(
            (
                f"{code}-QUAY",
                code,
                f"Quầy {vi} tại Trung tâm Phục vụ hành chính công tỉnh",
                f"{en} counter at the provincial public service centre",
                "counter",
            )
        )
        if code in ONLINE_DEPARTMENTS:
            wanted_points.append(
                (
                    f"{code}-TRUCTUYEN",
                    code,
                    f"Cổng dịch vụ công trực tuyến — {vi}",
                    f"Online public service portal — {en}",
                    "online",
                )
            )
    for code, vi, en in COMMUNES:
        wanted_points.append(
            (
                f"{code}-MOTCUA",
                code,
                f"Bộ phận Một cửa UBND {vi}",
                f"One-stop section, {en} People's Committee",
                "counter",
            )
        )
    return wanted_points


async def _seed_service_points(wanted_points: list[tuple[str, str, str, str, str]]) -> int:
    points = ServicePointService()
    created = 0
    for code, agency, vi, en, kind in wanted_points:
        if not await _exists(ServicePoint, code):
            await points.create(
                SYSTEM, {"code": code, "agency": agency, "name_vi": vi, "name_en": en, "kind": kind}
            )
            created += 1
    return created


async def _seed_staff(staff: StaffService, passwords: dict[str, str]) -> tuple[list[dict[str, str]], int]:
    """One account per demo role with its printed password; returns (accounts, how many were created)."""
    staff_out = []
    created = 0
    for email, role, agency in STAFF:
        password = passwords[email]
        row = await StaffUser.select(StaffUser.id).where(StaffUser.email == email).first()
        if row is None:
            # the demo's administrator administers the deployment (national); the other accounts are the
            # demo province's
            await staff.create_user(
                SYSTEM,
                email,
                password,
                role,
                agency,
                display_name=email.split("@")[0],
                province_code=None if role == "admin" else PROVINCE[0],
            )
            created += 1
        else:  # keep the demo's printed passwords true
            await staff.update_user(SYSTEM, int(row["id"]), {"password": password, "active": True})
        staff_out.append({"email": email, "role": role, "password": password})
    return staff_out, created


async def _seed_questionnaires() -> int:
    """Every built-in template, published; returns how many were created."""
    questionnaires = QuestionnaireService()
    created = 0
    for template_id in list_templates():
        if not await _exists(Questionnaire, template_id):
            await questionnaires.create(SYSTEM, definition_json(get_template(template_id)))
            await questionnaires.publish(SYSTEM, template_id)
            created += 1
    return created


async def _seed_wave(agency_codes: list[str], point_codes: list[str], year: int) -> int:
    """The demo wave over the whole year, open; returns 1 when it was created, else 0."""
    if await _exists(Wave, WAVE_CODE):
        return 0
    waves = WaveService()
    await waves.create(
        SYSTEM,
        {
            "code": WAVE_CODE,
            "name_vi": "Khảo sát SIPAS 2026 — tỉnh An Bình (minh họa)",
            "name_en": "SIPAS survey 2026 — An Binh Province (demo)",
            "questionnaire": WAVE_QUESTIONNAIRE,
            "questionnaire_version": 1,
            "period_start": date(year, 1, 1),
            "period_end": date(year, 12, 31),
            "channels": ["online", "kiosk", "phone", "paper"],
            "agencies": agency_codes,
            "service_points": point_codes,
            "unit_version": UNIT_VERSION,
            "settings": {"kiosk_idle": "discard"},
            "province": PROVINCE[0],
        },
    )
    await waves.set_status(SYSTEM, WAVE_CODE, "open")
    return 1


async def _top_up_responses(seed: int, wanted: int) -> int:
    wave = (
        await Wave.select(Wave.id, Wave.questionnaire_version.version).where(Wave.code == WAVE_CODE).first()
    )
    assert wave is not None  # noqa: S101 - invariant, not input
    have: int = await Submission.count().where(Submission.wave == wave["id"])
    missing = max(0, wanted - have)
    if not missing:
        return 0
    rng = random.Random(seed * 1_000_003 + have)  # noqa: S311 - demo data; a re-run tops up with new, reproducible rows
    q = get_template(WAVE_QUESTIONNAIRE)
    layout = criteria_layout(q)
    point_rows = await ServicePoint.select(ServicePoint.id, ServicePoint.agency, ServicePoint.kind).order_by(
        ServicePoint.id
    )
    agency_mood = {row["agency"]: 0.70 + 0.25 * rng.random() for row in point_rows}
    rows = []
    now = datetime.now(UTC).replace(microsecond=0)
    for _ in range(missing):
        point = rng.choice(point_rows)
        answers = simulate_answers(q, rng, agency_mood[point["agency"]])
        started = now - timedelta(days=rng.randint(0, 60), seconds=rng.randint(0, 86_400))
        duration = rng.randint(180, 900)
        channel = "online" if point["kind"] == "online" else rng.choice(["kiosk", "phone", "paper"])
        body = json.dumps(answers, sort_keys=True, ensure_ascii=False)
        rows.append(
            Submission(
                client_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                wave=wave["id"],
                service_point=point["id"],
                agency=point["agency"],
                questionnaire_version=wave["questionnaire_version.version"],
                channel=channel,
                language="vi" if rng.random() < 0.9 else "en",
                started_at=started,
                submitted_at=started + timedelta(seconds=duration),
                received_at=now,
                duration_seconds=duration,
                answers=answers,
                body_hash=hashlib.sha256(body.encode("utf-8")).hexdigest(),
                codes=layout.encode(answers),
            )
        )
    async with write_transaction(Submission._meta.db):
        for start in range(0, len(rows), 500):
            await Submission.insert(*rows[start : start + 500])
    return missing


async def ensure_demo_devices(known: dict[str, str]) -> dict[str, str]:
    """One registered kiosk tablet per demo service point; ``known`` maps point code → device token
    from an earlier run. Returns the tokens to keep (new devices are registered where missing)."""
    from survey_engine.collection.kiosks import KioskDeviceService
    from survey_engine.security import hash_token

    kiosks = KioskDeviceService()
    codes = [r["code"] for r in await ServicePoint.select(ServicePoint.code).order_by(ServicePoint.code)]
    tokens: dict[str, str] = {}
    for code in codes:
        token = known.get(code)
        if token:
            row = (
                await KioskDevice.select(KioskDevice.revoked_at)
                .where(KioskDevice.token_hash == hash_token(token))
                .first()
            )
            if row is not None and row["revoked_at"] is None:
                tokens[code] = token
                continue
        _, tokens[code] = await kiosks.register(SYSTEM, code, "Máy tính bảng (demo)")
    return tokens
