"""Successions through several map versions: composed shares, and a wave carried across two map changes.

Synthetic versions v1 (2008) → v2 (2025) → v3 (2027): communes A (100 people) and B (300) merge into AB,
which later splits 60/40 into C and D; S splits in half into S1 and S2, which later merge into U; E is
renamed twice. Nothing links v1 to v3 directly.
"""

from __future__ import annotations

import pytest
from piccolo.engine.base import Engine

from api.services import Services
from api.settings import Settings
from survey_engine.results.across_maps import MapBridge, PlainFigure

UNITS = """code,unit_version,level,name_vi,name_en,parent_code,valid_from,valid_to,population
P1,v1,province,P1,P1,,2008-08-01,2025-06-30,
A,v1,commune,A,A,P1,2008-08-01,2025-06-30,100
B,v1,commune,B,B,P1,2008-08-01,2025-06-30,300
S,v1,commune,S,S,P1,2008-08-01,2025-06-30,50
E,v1,commune,E,E,P1,2008-08-01,2025-06-30,
P2,v2,province,P2,P2,,2025-07-01,2026-12-31,
AB,v2,commune,AB,AB,P2,2025-07-01,2026-12-31,400
S1,v2,commune,S1,S1,P2,2025-07-01,2026-12-31,25
S2,v2,commune,S2,S2,P2,2025-07-01,2026-12-31,25
E2,v2,commune,E2,E2,P2,2025-07-01,2026-12-31,
P3,v3,province,P3,P3,,2027-01-01,,
C,v3,commune,C,C,P3,2027-01-01,,
D,v3,commune,D,D,P3,2027-01-01,,
U,v3,commune,U,U,P3,2027-01-01,,
E3,v3,commune,E3,E3,P3,2027-01-01,,
"""
SUCCESSIONS = """predecessor_version,predecessor_code,successor_version,successor_code,population_share
v1,A,v2,AB,1
v1,B,v2,AB,1
v1,S,v2,S1,0.5
v1,S,v2,S2,0.5
v1,E,v2,E2,1
v2,AB,v3,C,0.6
v2,AB,v3,D,0.4
v2,S1,v3,U,1
v2,S2,v3,U,1
v2,E2,v3,E3,1
"""


@pytest.fixture
async def service(engine: Engine, settings: Settings) -> Services:
    services = Services.build(settings)
    await services.map_changes.import_units(UNITS.strip().splitlines())
    await services.map_changes.import_successions(SUCCESSIONS.strip().splitlines())
    return services


async def test_successions_compose_across_versions(service: Services) -> None:
    chain = await service.map_changes.chain("v1", "v3")
    found = {(s.predecessor.code, s.successor.code): s.population_share for s in chain}
    assert found == pytest.approx(
        {
            ("A", "C"): 0.6,
            ("A", "D"): 0.4,
            ("B", "C"): 0.6,
            ("B", "D"): 0.4,
            ("S", "U"): 1.0,  # half by each route
            ("E", "E3"): 1.0,
        }
    )
    assert all(s.predecessor.unit_version == "v1" and s.successor.unit_version == "v3" for s in chain)
    # direct successions are used as they are; an unlinked or backward pair has none
    assert len(await service.map_changes.chain("v1", "v2")) == 5
    assert await service.map_changes.chain("v3", "v1") == []


async def test_a_figure_carried_over_two_changes_equals_carrying_it_twice(service: Services) -> None:
    figures = {"A": PlainFigure(60.0, 2.0, 50, None), "B": PlainFigure(80.0, 1.0, 70, None)}
    chain = tuple(await service.map_changes.chain("v1", "v3"))
    bridge = MapBridge("v1", "v3", chain, {"A": "A", "B": "B", "S": "S", "E": "E"})
    carried = bridge.carry("C", figures.get)
    assert carried is not None and carried.reason is None
    # in two steps: AB = ¼ A + ¾ B (populations 100 and 300), then C receives AB's figure
    assert carried.estimate == pytest.approx(0.25 * 60 + 0.75 * 80)
    assert carried.se == pytest.approx((0.25**2 * 4 + 0.75**2 * 1) ** 0.5)
    assert [(p.unit, p.weight) for p in carried.parts] == [("A", 0.25), ("B", 0.75)]
    assert carried.n == 120
    missing = bridge.carry("U", figures.get)  # S has no figure
    assert missing is not None and missing.reason == "not_published"
