"""`sipas apikey add|list|revoke` and `sipas counter import FILE.ndjson|FILE.csv`."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from survey_engine.tables import Submission
from tests.api.conftest import World
from tests.api.test_cli_server import sipas
from tests.integrations.helpers import ndjson, open_counter_waves, rating, send


def _env(world: World, database_url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "SIPAS_"))}
    env.update(
        DATABASE_URL=database_url,
        SIPAS_DATA_DIR=str(tmp_path / "cli-data"),
        SIPAS_SECRET_KEY=world.app.state.services.settings.secret_key,
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
    )
    return env


async def test_keys_from_the_command_line(world: World, database_url: str, tmp_path: Path) -> None:
    await open_counter_waves(world)
    env = _env(world, database_url, tmp_path)
    added = sipas(["apikey", "add", "Một cửa tỉnh", "--agency", "A1"], env)
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip()
    assert key.startswith("sk_") and added.stdout == key + "\n"  # the key alone
    assert (await send(world, key, [rating()])).json()["accepted"] == 1

    neither = sipas(["apikey", "add", "X"], env)
    assert neither.returncode == 2 and "--agency" in neither.stderr
    unknown = sipas(["apikey", "add", "X", "--agency", "ZZ"], env)
    assert unknown.returncode == 2 and "ZZ" in unknown.stderr and "Traceback" not in unknown.stderr

    listed = sipas(["apikey", "list"], env)
    assert listed.returncode == 0 and key[:10] in listed.stdout and key not in listed.stdout
    key_id = listed.stdout.split("\t", 1)[0]
    revoked = sipas(["apikey", "revoke", key_id], env)
    assert revoked.returncode == 0, revoked.stderr
    assert (await send(world, key, [rating()])).status_code == 401
    assert sipas(["apikey", "revoke", "999"], env).returncode == 2


async def test_counter_import_from_files(world: World, database_url: str, tmp_path: Path) -> None:
    await open_counter_waves(world)
    env = _env(world, database_url, tmp_path)
    lines = [rating(officer="CB01"), b'{"id": 1}', rating(value=1, dossier_code="HS-9")]
    path = tmp_path / "ratings.ndjson"
    path.write_bytes(ndjson(lines))
    result = sipas(["counter", "import", str(path)], env)
    assert result.returncode == 2, result.stderr  # one line rejected; the others stored
    assert "3 lines: 2 accepted, 0 duplicates, 1 rejected" in result.stdout
    assert "line 2: id: must be a UUID" in result.stderr and "Traceback" not in result.stderr
    again = sipas(["counter", "import", str(path), "--json"], env)
    assert '"duplicates":2' in again.stdout

    now = datetime.now(UTC).isoformat()
    csv_path = tmp_path / "ratings.csv"
    csv_path.write_text(
        "id,service_point,questionnaire,rated_at,officer,RATING,COMMENT\n"
        f"6f1b6a52-8d1e-4c55-9a55-2f8e0a1b0c01,A1-Q1,counter-3,{now},CB02,2,Nhanh\n"
        f"6f1b6a52-8d1e-4c55-9a55-2f8e0a1b0c02,A2-Q1,counter-3,{now},,3,\n",
        encoding="utf-8",
    )
    scoped = sipas(["counter", "import", str(csv_path), "--agency", "A1"], env)
    assert scoped.returncode == 2 and "line 3: service_point" in scoped.stderr
    assert "1 accepted" in scoped.stdout
    row = (
        await Submission.select(Submission.answers, Submission.officer)
        .where(Submission.client_id == "6f1b6a52-8d1e-4c55-9a55-2f8e0a1b0c01")
        .first()
    )
    assert row is not None and row["officer"] == "CB02"
    assert '"RATING":2' in str(row["answers"]).replace(" ", "")
    bad = sipas(["counter", "import", str(tmp_path / "x.txt")], env)
    assert bad.returncode == 2 and ".ndjson" in bad.stderr


async def _second_province(world: World) -> None:
    response = await world.client.post(
        "/api/v1/provinces",
        json={"code": "P2", "name_vi": "Tỉnh Hai", "name_en": "Province Two"},
        headers=world.auth("admin"),
    )
    assert response.status_code == 201, response.text


async def test_province_keys_name_their_province(world: World, database_url: str, tmp_path: Path) -> None:
    """With several provinces, ``--province`` names one: the key then sends ratings for that province's
    service points only; ``--province`` alone is refused, since it would not say which."""
    await open_counter_waves(world)  # at A1-Q1 and A2-Q1, both of the "default" province
    env = _env(world, database_url, tmp_path)
    alone = sipas(["apikey", "add", "Một cửa", "--province"], env)
    assert alone.returncode == 0, alone.stderr  # one province: it is the one meant
    assert (await send(world, alone.stdout.strip(), [rating()])).json()["accepted"] == 1

    await _second_province(world)
    ambiguous = sipas(["apikey", "add", "Một cửa", "--province"], env)
    assert ambiguous.returncode == 2 and "several provinces" in ambiguous.stderr
    assert ambiguous.stdout == "" and "Traceback" not in ambiguous.stderr
    unknown = sipas(["apikey", "add", "Một cửa", "--province", "ZZ"], env)
    assert unknown.returncode == 2 and "no province with code ZZ" in unknown.stderr

    other = sipas(["apikey", "add", "Một cửa tỉnh Hai", "--province", "P2"], env)
    assert other.returncode == 0, other.stderr
    refused = (await send(world, other.stdout.strip(), [rating()])).json()
    assert refused["accepted"] == 0 and refused["rejected"][0]["problems"][0]["item"] == "service_point"
    own = sipas(["apikey", "add", "Một cửa tỉnh", "--province", "default"], env)
    assert (await send(world, own.stdout.strip(), [rating()])).json()["accepted"] == 1

    listed = sipas(["apikey", "list"], env).stdout.splitlines()
    assert [line.split("\t")[2:] for line in listed] == [
        ["province", "active", "Một cửa", "default"],
        ["province", "active", "Một cửa tỉnh Hai", "P2"],
        ["province", "active", "Một cửa tỉnh", "default"],
    ]


async def test_counter_import_for_one_province(world: World, database_url: str, tmp_path: Path) -> None:
    await open_counter_waves(world)
    await _second_province(world)
    env = _env(world, database_url, tmp_path)
    path = tmp_path / "ratings.ndjson"
    path.write_bytes(ndjson([rating(), rating("A2-Q1")]))
    elsewhere = sipas(["counter", "import", str(path), "--province", "P2"], env)
    assert elsewhere.returncode == 2 and "2 lines: 0 accepted, 0 duplicates, 2 rejected" in elsewhere.stdout
    assert "line 1: service_point" in elsewhere.stderr and "line 2: service_point" in elsewhere.stderr
    assert await Submission.count() == 0
    own = sipas(["counter", "import", str(path), "--province", "default"], env)
    assert own.returncode == 0 and "2 accepted" in own.stdout, own.stderr
    unknown = sipas(["counter", "import", str(path), "--province", "ZZ"], env)
    assert unknown.returncode == 2 and "no province with code ZZ" in unknown.stderr
    both = sipas(["counter", "import", str(path), "--province", "P2", "--agency", "A1"], env)
    assert both.returncode == 2 and "not allowed with argument" in both.stderr
