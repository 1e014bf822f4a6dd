"""A small questionnaire with a skip rule, a wave that collects on paper, and data-entry accounts."""

from __future__ import annotations

from typing import Any

from survey_engine.actors import SYSTEM
from tests.api.conftest import PASSWORD, World

SATISFACTION = {
    "labels": {"vi": "Mức độ hài lòng", "en": "Satisfaction"},
    "points": [
        {"value": v, "labels": {"vi": vi, "en": en}}
        for v, vi, en in (
            (1, "Rất không hài lòng", "Very dissatisfied"),
            (2, "Không hài lòng", "Dissatisfied"),
            (3, "Bình thường", "Neutral"),
            (4, "Hài lòng", "Satisfied"),
            (5, "Rất hài lòng", "Very satisfied"),
        )
    ],
    "top_box": [4, 5],
}


def option(code: str, vi: str) -> dict[str, Any]:
    return {"code": code, "labels": {"vi": vi, "en": code}}


DEFINITION: dict[str, Any] = {
    "id": "paper-test",
    "version": "1",
    "instrument": "sipas-gen2",
    "title": {"vi": "Phiếu khảo sát thử", "en": "Test questionnaire"},
    "scales": {"sat5": SATISFACTION},
    "index": {
        "rule": "top_box_share",
        "groups": [{"code": "G1", "labels": {"vi": "Phục vụ", "en": "Service"}}],
    },
    "sections": [
        {"code": "S1", "title": {"vi": "Phần 1", "en": "Part 1"}},
        {
            "code": "S2",
            "title": {"vi": "Phần 2", "en": "Part 2"},
            "show_if": {"op": "equals", "item": "Q1", "value": True},
        },
        {"code": "S3", "title": {"vi": "Phần 3", "en": "Part 3"}},
    ],
    "items": [
        {
            "code": "Q1",
            "type": "yesno",
            "ref": "1",
            "section": "S1",
            "required": True,
            "labels": {"vi": "Ông/Bà đã đến điểm phục vụ trong 12 tháng qua?", "en": "Visited?"},
        },
        {
            "code": "Q2",
            "type": "likert5",
            "ref": "2",
            "section": "S2",
            "required": True,
            "scale": "sat5",
            "element": "G1",
            "allow_dont_know": True,
            "labels": {"vi": "Hài lòng với thái độ công chức?", "en": "Staff?"},
        },
        {
            "code": "Q3",
            "type": "single",
            "ref": "3",
            "section": "S2",
            "required": True,
            "labels": {"vi": "Ông/Bà nộp hồ sơ bằng cách nào?", "en": "How?"},
            "options": [
                option("COUNTER", "Tại quầy"),
                option("POST", "Qua bưu điện"),
                option("ONLINE", "Trực tuyến"),
            ],
        },
        {
            "code": "Q4",
            "type": "multi",
            "ref": "4",
            "section": "S3",
            "labels": {"vi": "Ông/Bà biết thông tin qua kênh nào?", "en": "Channels?"},
            "options": [
                option("TV", "Ti vi"),
                option("WEB", "Mạng internet"),
                option("FRIEND", "Người quen"),
            ],
        },
        {
            "code": "Q5",
            "type": "text",
            "ref": "5",
            "section": "S3",
            "max_length": 500,
            "labels": {"vi": "Ý kiến khác", "en": "Other comments"},
        },
    ],
}


async def paper_wave(
    world: World,
    code: str = "P1",
    settings: dict[str, Any] | None = None,
    agencies: tuple[str, ...] = ("A1", "A2"),
) -> None:
    """An open wave of the test questionnaire collecting on paper (and online) at A1-Q1 and A2-Q1."""
    admin = world.auth("admin")
    created = await world.client.post(
        "/api/v1/questionnaires", json={"definition": DEFINITION}, headers=admin
    )
    assert created.status_code in (201, 409), created.text
    published = await world.client.post("/api/v1/questionnaires/paper-test/publish", headers=admin)
    assert published.status_code in (200, 409), published.text
    body = {
        "code": code,
        "name_vi": f"Đợt giấy {code}",
        "name_en": f"Paper wave {code}",
        "questionnaire": "paper-test",
        "questionnaire_version": 1,
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "channels": ["online", "paper"],
        "agencies": list(agencies),
        "service_points": [f"{a}-Q1" for a in agencies],
        "settings": settings or {},
    }
    response = await world.client.post("/api/v1/waves", json=body, headers=admin)
    assert response.status_code == 201, response.text
    response = await world.client.post(f"/api/v1/waves/{code}/status", json={"status": "open"}, headers=admin)
    assert response.status_code == 200, response.text


async def add_keyers(world: World, agency: str | None = None) -> None:
    """Two data-entry accounts, ``clerk1`` and ``clerk2``, signed in (their tokens in ``world.tokens``)."""
    services = world.app.state.services
    for name in ("clerk1", "clerk2"):
        email = f"{name}@example.org"
        user = await services.staff.create_user(SYSTEM, email, PASSWORD, "data_entry", agency)
        world.user_ids[name] = user.id
        response = await world.client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert response.status_code == 200, response.text
        world.tokens[name] = response.json()["token"]
    world.client.cookies.clear()


# The keys of a filled-in copy: yes, satisfied (4), by post (2), TV and a friend (1, 3), a comment.
FILLED = {"Q1": "1", "Q2": "4", "Q3": "2", "Q4": "13", "Q5": "Nhân viên nhiệt tình"}
ANSWERS = {"Q1": True, "Q2": 4, "Q3": "POST", "Q4": ["TV", "FRIEND"], "Q5": "Nhân viên nhiệt tình"}
