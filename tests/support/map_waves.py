"""Two published SIPAS 2017 waves across a synthetic map change, for the map-change tests.

Old map ``old`` (communes X, Y, S of province P) and new map ``new`` (communes M, S1, S2 of province Q):
X and Y (3 000 and 1 000 people) merge into M; S splits 60/40 into S1 and S2. Wave OLD (2024) covers the
People's Committees of X, Y and S; wave NEW (2026) those of M, S1 and S2. Synthetic places, not real ones.

With ``departments``: province P2 (1 500 people) also merges into Q, and the waves also cover provincial
departments, several on one province: A-P and A-P2 (old) continued by A-Q (new), B-P continued by B-Q.
Which department continues which is recorded as agency successions (``AGENCY_SUCCESSIONS``).
"""

from __future__ import annotations

import asyncio
import random
import uuid

from survey_engine.actors import SYSTEM
from survey_engine.administration.agencies import AgencyService, ServicePointService
from survey_engine.questionnaire import get_template
from survey_engine.simulate import simulate_answers
from tests.api.conftest import World
from tests.support.published import release, token_of

UNITS = """code,unit_version,level,name_vi,name_en,parent_code,valid_from,valid_to,population
P,old,province,Tỉnh P,P Province,,2008-08-01,2025-06-30,4500
X,old,commune,Xã X,X Commune,P,2008-08-01,2025-06-30,3000
Y,old,commune,Xã Y,Y Commune,P,2008-08-01,2025-06-30,1000
S,old,commune,Xã S,S Commune,P,2008-08-01,2025-06-30,500
Q,new,province,Tỉnh Q,Q Province,,2025-07-01,,
M,new,commune,Xã M,M Commune,Q,2025-07-01,,
S1,new,commune,Xã S1,S1 Commune,Q,2025-07-01,,
S2,new,commune,Xã S2,S2 Commune,Q,2025-07-01,,
"""
SUCCESSIONS = """predecessor_version,predecessor_code,successor_version,successor_code,population_share
old,X,new,M,1
old,Y,new,M,1
old,S,new,S1,0.6
old,S,new,S2,0.4
old,P,new,Q,1
"""
OLD_AGENCIES = {"UB-X": ("X", 0.9), "UB-Y": ("Y", 0.3), "UB-S": ("S", 0.6)}
NEW_AGENCIES = {"UB-M": ("M", 0.5), "UB-S1": ("S1", 0.8), "UB-S2": ("S2", 0.4)}
PER_AGENCY = 40
DEPARTMENT_UNITS = """code,unit_version,level,name_vi,name_en,parent_code,valid_from,valid_to,population
P2,old,province,Tỉnh P2,P2 Province,,2008-08-01,2025-06-30,1500
"""
DEPARTMENT_SUCCESSIONS = """\
predecessor_version,predecessor_code,successor_version,successor_code,population_share
old,P2,new,Q,1
"""
OLD_DEPARTMENTS = {"A-P": ("P", 0.7), "B-P": ("P", 0.2), "A-P2": ("P2", 0.1)}
NEW_DEPARTMENTS = {"A-Q": ("Q", 0.6), "B-Q": ("Q", 0.3)}
AGENCY_SUCCESSIONS = """predecessor,successor,population_share
A-P,A-Q,1
A-P2,A-Q,
B-P,B-Q,1
"""


async def _agencies(version: str, agencies: dict[str, tuple[str, float]], level: str = "commune") -> None:
    for code, (unit, _) in agencies.items():
        names = (
            (f"UBND xã {unit}", f"{unit} Commune People's Committee")
            if level == "commune"
            else (f"Sở {code[0]} tỉnh {unit}", f"{unit} Department {code[0]}")
        )
        await AgencyService().create(
            SYSTEM,
            {
                "code": code,
                "name_vi": names[0],
                "name_en": names[1],
                "level": level,
                "unit": unit,
                "unit_version": version,
            },
        )
        await ServicePointService().create(
            SYSTEM,
            {
                "code": f"{code}-Q",
                "agency": code,
                "name_vi": f"Bộ phận một cửa {unit}",
                "name_en": f"{unit} one-stop desk",
                "kind": "counter",
            },
        )


async def _wave(
    world: World, code: str, year: int, version: str, agencies: dict[str, tuple[str, float]]
) -> None:
    admin = world.auth("admin")
    for path in ("/api/v1/questionnaires", "/api/v1/questionnaires/sipas-2017/publish"):
        body = {"template": "sipas-2017"} if path.endswith("questionnaires") else None
        response = await world.client.post(path, json=body, headers=admin)
        assert response.status_code in (200, 201, 409), response.text
    body = {
        "code": code,
        "name_vi": f"Khảo sát {year}",
        "name_en": f"Survey {year}",
        "questionnaire": "sipas-2017",
        "questionnaire_version": 1,
        "period_start": f"{year}-01-01",
        "period_end": f"{year}-12-31",
        "channels": ["online"],
        "agencies": list(agencies),
        "service_points": [f"{a}-Q" for a in agencies],
        "unit_version": version,
    }
    assert (await world.client.post("/api/v1/waves", json=body, headers=admin)).status_code == 201
    opened = await world.client.post(f"/api/v1/waves/{code}/status", json={"status": "open"}, headers=admin)
    assert opened.status_code == 200, opened.text
    world.app.state.services.submissions.forget()
    q = get_template("sipas-2017")
    rng = random.Random(year)
    for agency, (_, mood) in agencies.items():
        token = await token_of(f"{agency}-Q")

        async def post(i: int, token: str = token, mood: float = mood) -> None:
            day = 1 + i % 28
            body = {
                "id": str(uuid.uuid4()),
                "token": token,
                "answers": simulate_answers(q, rng, mood),
                "channel": "online",
                "started_at": f"{year}-03-{day:02d}T09:00:00+00:00",
                "submitted_at": f"{year}-03-{day:02d}T09:05:00+00:00",
            }
            response = await world.client.post("/api/v1/submissions", json=body)
            assert response.status_code == 201, response.text

        await asyncio.gather(*(post(i) for i in range(PER_AGENCY)))
    closed = await world.client.post(f"/api/v1/waves/{code}/status", json={"status": "closed"}, headers=admin)
    assert closed.status_code == 200, closed.text


async def two_maps(world: World, departments: bool = False) -> None:
    """The units and successions imported, wave OLD (old map) and wave NEW (new map) published; with
    ``departments`` also the provincial departments and their agency successions."""
    service = world.app.state.services.map_changes
    await service.import_units(UNITS.strip().splitlines())
    await service.import_successions(SUCCESSIONS.strip().splitlines())
    old, new = dict(OLD_AGENCIES), dict(NEW_AGENCIES)
    await _agencies("old", OLD_AGENCIES)
    await _agencies("new", NEW_AGENCIES)
    if departments:
        await service.import_units(DEPARTMENT_UNITS.strip().splitlines())
        await service.import_successions(DEPARTMENT_SUCCESSIONS.strip().splitlines())
        await _agencies("old", OLD_DEPARTMENTS, "province")
        await _agencies("new", NEW_DEPARTMENTS, "province")
        await world.app.state.services.agency_successions.import_lines(
            SYSTEM, AGENCY_SUCCESSIONS.strip().splitlines()
        )
        old.update(OLD_DEPARTMENTS)
        new.update(NEW_DEPARTMENTS)
    await _wave(world, "OLD", 2024, "old", old)
    await _wave(world, "NEW", 2026, "new", new)
    await release(world, "OLD")
    await release(world, "NEW")
