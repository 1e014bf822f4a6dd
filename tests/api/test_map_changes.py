"""Loading the administrative map: units and successions from CSV (all or nothing), read back by the API."""

from __future__ import annotations

from pathlib import Path

import pytest
from piccolo.engine.base import Engine

from api.services import Services
from api.settings import Settings
from survey_engine.errors import InvalidInput
from survey_engine.tables import AdminUnit, UnitSuccession
from tests.api.conftest import World
from tests.api.test_cli_server import cli_env, sipas  # noqa: F401  (fixture)

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "map-2025"
SUCCESSION_HEADER = "predecessor_version,predecessor_code,successor_version,successor_code,population_share"
# Synthetic communes (not real places): X and Y merge into M; S splits 60/40 into S1 and S2.
COMMUNES = """code,unit_version,level,name_vi,name_en,parent_code,valid_from,valid_to,population
P,old,province,Tỉnh P,P Province,,2008-08-01,2025-06-30,1000
X,old,commune,Xã X,X Commune,P,2008-08-01,2025-06-30,3000
Y,old,commune,Xã Y,Y Commune,P,2008-08-01,2025-06-30,1000
S,old,commune,Xã S,S Commune,P,2008-08-01,2025-06-30,
Q,new,province,Tỉnh Q,Q Province,,2025-07-01,,
M,new,commune,Xã M,M Commune,Q,2025-07-01,,
S1,new,commune,Xã S1,S1 Commune,Q,2025-07-01,,
S2,new,commune,Xã S2,S2 Commune,Q,2025-07-01,,
"""
GOOD = f"""{SUCCESSION_HEADER}
old,X,new,M,1
old,Y,new,M,1
old,S,new,S1,0.6
old,S,new,S2,0.4
old,P,new,Q,1
"""


def lines(text: str) -> list[str]:
    return text.strip().splitlines()


async def counts() -> tuple[int, int]:
    return await AdminUnit.count(), await UnitSuccession.count()


async def test_example_files_load_and_read_back(engine: Engine, settings: Settings) -> None:
    service = Services.build(settings).map_changes
    with (EXAMPLE / "units.csv").open(encoding="utf-8") as handle:
        units = await service.import_units(handle)
    assert (units.created, units.updated) == (11, 0)
    with (EXAMPLE / "successions.csv").open(encoding="utf-8") as handle:
        rows = await service.import_successions(handle)
    assert (rows.rows, rows.predecessors, rows.replaced) == (7, 7, 0)
    merged = await service.predecessors("TUYENQUANG", "2025-07")
    assert [(s.predecessor.code, s.predecessor.population) for s in merged] == [
        ("HAGIANG", 850000),
        ("TUYENQUANG", 780000),
    ]
    assert [v.unit_version for v in await service.versions()] == ["2008-08", "2025-07"]
    # importing again replaces (no double rows) and updates the units
    with (EXAMPLE / "successions.csv").open(encoding="utf-8") as handle:
        again = await service.import_successions(handle)
    assert again.replaced == 7 and await UnitSuccession.count() == 7
    with (EXAMPLE / "units.csv").open(encoding="utf-8") as handle:
        assert (await service.import_units(handle)).updated == 11


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (f"{SUCCESSION_HEADER}\nold,X,new,M,1\nold,Z,new,M,1", "line 3: unknown unit Z in version old"),
        (
            f"{SUCCESSION_HEADER}\nold,X,new,M,1\nold,S,new,S1,0.6\nold,S,new,S2,0.3",
            "line 3: the shares of S",
        ),
        (f"{SUCCESSION_HEADER}\nold,X,new,M,1\nnew,M,old,X,1", "line 3: version order"),
        (f"{SUCCESSION_HEADER}\nold,X,new,M,1\nold,S,new,M,1", "line 3: M (new) merges several units"),
        (f"{SUCCESSION_HEADER}\nold,X,old,Y,1", "line 2: the successor must be on a later map version"),
        (f"{SUCCESSION_HEADER}\nold,X,new,M,1\nold,X,new,M,1", "line 3: X → M is already on line 2"),
        (f"{SUCCESSION_HEADER}\nold,X,new,M,two", "line 2: population_share 'two' is not a number"),
        ("predecessor,successor\nX,M", "line 1: unknown column 'predecessor'"),
    ],
)
async def test_bad_succession_files_are_refused_whole(
    engine: Engine, settings: Settings, file: str, message: str
) -> None:
    service = Services.build(settings).map_changes
    await service.import_units(lines(COMMUNES))
    before = await counts()
    with pytest.raises(InvalidInput) as refused:
        await service.import_successions(lines(file))
    assert refused.value.detail.startswith(message), refused.value.detail
    assert "\n" not in refused.value.detail
    assert await counts() == before  # nothing written, not even the good first line


async def test_a_cycle_of_versions_is_refused(engine: Engine, settings: Settings) -> None:
    # Units of one version may start on different days: v1's A (2020) → v2's B (2023) → v1's C (2026)
    # passes the dates, but the versions loop.
    service = Services.build(settings).map_changes
    await service.import_units(
        lines(
            """code,unit_version,level,name_vi,valid_from
A,v1,province,A,2020-01-01
C,v1,province,C,2026-01-01
B,v2,province,B,2023-01-01"""
        )
    )
    await service.import_successions(lines(f"{SUCCESSION_HEADER}\nv1,A,v2,B,1"))
    with pytest.raises(InvalidInput, match=r"^line 2: cycle: version v2 → v1"):
        await service.import_successions(lines(f"{SUCCESSION_HEADER}\nv2,B,v1,C,1"))
    assert await UnitSuccession.count() == 1


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("Z,new,commune,Xã Z,,NOPE,2025-07-01,,", "line 2: unknown parent_code NOPE in version new"),
        ("Z,new,province,Tỉnh Z,,M,2025-07-01,,", "line 2: a province has no parent_code"),
        ("Z,new,district,Huyện Z,,M,2025-07-01,,", "line 2: parent M is a commune, not above a district"),
        ("Z,new,ward,Z,,Q,2025-07-01,,", "line 2: level 'ward' must be one of"),
        ("Z,new,commune,Xã Z,,Q,2025-07-01,2025-01-01,", "line 2: valid_to is before valid_from"),
        ("Z,new,commune,Xã Z,,Q,1/7/2025,,", "line 2: valid_from '1/7/2025' is not a date"),
        ("Z,new,commune,Xã Z,,Q,2025-07-01,,-5", "line 2: population must be positive"),
        (
            "Z,new,commune,Xã Z,,Q,2025-07-01,,\nZ,new,commune,Z,,Q,2025-07-01,,",
            "line 3: unit Z of version new",
        ),
    ],
)
async def test_bad_unit_files_are_refused_whole(
    engine: Engine, settings: Settings, row: str, message: str
) -> None:
    service = Services.build(settings).map_changes
    await service.import_units(lines(COMMUNES))
    before = await counts()
    header = COMMUNES.splitlines()[0]
    with pytest.raises(InvalidInput) as refused:
        await service.import_units(lines(f"{header}\n{row}"))
    assert refused.value.detail.startswith(message), refused.value.detail
    assert await counts() == before


async def test_api_reads_successors_and_predecessors(world: World) -> None:
    service = world.app.state.services.map_changes
    await service.import_units(lines(COMMUNES))
    await service.import_successions(lines(GOOD))
    reader = world.auth("statistician")
    split = await world.client.get("/api/v1/admin-units/S/successors?version=old", headers=reader)
    assert split.status_code == 200, split.text
    assert [(i["successor"]["code"], i["population_share"]) for i in split.json()["items"]] == [
        ("S1", 0.6),
        ("S2", 0.4),
    ]
    merge = await world.client.get("/api/v1/admin-units/M/predecessors?version=new", headers=reader)
    assert [(i["predecessor"]["code"], i["predecessor"]["population"]) for i in merge.json()["items"]] == [
        ("X", 3000),
        ("Y", 1000),
    ]
    none = await world.client.get("/api/v1/admin-units/M/successors?version=new", headers=reader)
    assert none.json() == {"items": []}
    unknown = await world.client.get("/api/v1/admin-units/M/successors?version=old", headers=reader)
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith(
        "application/problem+json"
    )
    versions = await world.client.get("/api/v1/admin-units/versions", headers=reader)
    assert [v["unit_version"] for v in versions.json()["items"]] == ["old", "new"]
    assert (await world.client.get("/api/v1/admin-units/S/successors?version=old")).status_code == 401


def test_cli_refuses_a_bad_file_in_one_line(cli_env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    assert sipas(["units", "import", str(EXAMPLE / "units.csv")], cli_env).returncode == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{SUCCESSION_HEADER}\n2008-08,HAGIANG,2025-07,TUYENQUANG,0.5\n", encoding="utf-8")
    refused = sipas(["units", "successions", "import", str(bad)], cli_env)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        "error: bad.csv: line 2: the shares of HAGIANG (2008-08) into version 2025-07 sum to 0.5, not 1"
    ]
    done = sipas(["units", "successions", "import", str(EXAMPLE / "successions.csv")], cli_env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "7 successions of 7 predecessor units imported (0 stored rows replaced)"
