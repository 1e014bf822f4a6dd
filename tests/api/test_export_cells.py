"""Respondents' text in every export: `sipas export` (CSV, XLSX, Parquet) run as users run it, and the
console's microdata CSV. Text that a spreadsheet would run is quoted the same way everywhere, XLSX text
cells are strings, numbers stay numbers, and characters XLSX cannot hold (stored before the door refused
them) never stop an export."""

from __future__ import annotations

import csv
import io
import json
import uuid
from pathlib import Path

import pyarrow.parquet as pq
from openpyxl import load_workbook

from survey_engine.tables import Submission
from tests.api.conftest import World, create_open_wave
from tests.api.test_cli_server import cli_env, sipas  # noqa: F401  (fixture)
from tests.support.console import Console

# stored comment -> the text every CSV and XLSX carries
COMMENTS = {
    '=HYPERLINK("http://x","y")': '\'=HYPERLINK("http://x","y")',
    "+1": "'+1",
    "@SUM(A1)": "'@SUM(A1)",
    "-2+3": "'-2+3",
    "-3": "-3",  # a spreadsheet reads it as the number -3: no formula, nothing to quote
    "Rất tốt": "Rất tốt",
}
# an old answer with a NUL and an ESC, written straight into the table as data stored before validation
# refused control characters would be
OLD = "NUL\x00here\x1b[31m"
OLD_CLEAN = "NULhere[31m"


async def _responses(world: World) -> list[str]:
    await create_open_wave(world)
    point = await world.client.get("/api/v1/service-points/A1-Q1", headers=world.auth("admin"))
    token = point.json()["token"]
    ids = []
    for rating, comment in enumerate([*COMMENTS, "placeholder"]):
        body = {
            "id": str(uuid.uuid4()),
            "token": token,
            "answers": {"RATING": 1 + rating % 3, "COMMENT": comment},
            "channel": "online",
            "language": "vi",
            "started_at": "2026-11-22T08:00:00+07:00",
            "submitted_at": "2026-11-22T08:02:30+07:00",
        }
        response = await world.client.post("/api/v1/submissions", json=body)
        assert response.status_code == 201, response.text
        ids.append(body["id"])
    answers = json.dumps({"RATING": 3, "COMMENT": OLD})
    await Submission.update({Submission.answers: answers}).where(Submission.client_id == ids[-1])
    stored = await Submission.select(Submission.answers).where(Submission.client_id == ids[-1]).first()
    assert json.loads(stored["answers"])["COMMENT"] == OLD
    return ids


def _export(env: dict[str, str], fmt: str, target: Path) -> None:
    result = sipas(["export", "--wave", "W1", "--format", fmt, "--out", str(target)], env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert f"wrote {len(COMMENTS) + 1} responses of wave W1 to {target}" in result.stdout


async def test_every_export_neutralises_formulas_and_survives_control_characters(
    world: World,
    database_url: str,
    cli_env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    ids = await _responses(world)
    cli_env["DATABASE_URL"] = database_url
    expected_comments = [*COMMENTS.values(), OLD_CLEAN]
    expected_ratings = [1 + i % 3 for i in range(len(COMMENTS))] + [3]

    _export(cli_env, "csv", tmp_path / "w1.csv")
    cli_rows = list(csv.reader((tmp_path / "w1.csv").open(encoding="utf-8", newline="")))
    header = cli_rows[0]
    comment, rating = header.index("COMMENT"), header.index("RATING")
    duration = header.index("duration_seconds")
    assert [r[0] for r in cli_rows[1:]] == ids
    assert [r[comment] for r in cli_rows[1:]] == expected_comments
    assert [r[rating] for r in cli_rows[1:]] == [str(v) for v in expected_ratings]
    assert {r[duration] for r in cli_rows[1:]} == {"150"}

    console = await Console(world, "statistician").get("/staff/results/W1/microdata.csv")
    assert console.status_code == 200
    assert list(csv.reader(io.StringIO(console.text, newline=""))) == cli_rows  # one writer, one rule

    _export(cli_env, "xlsx", tmp_path / "w1.xlsx")
    sheet = load_workbook(tmp_path / "w1.xlsx")["data"]
    cells = list(sheet.iter_rows(min_row=2))
    assert [c[comment].value for c in cells] == expected_comments
    assert {c[comment].data_type for c in cells} == {"s"}  # text, never a formula ("f")
    assert [(c[rating].value, c[rating].data_type) for c in cells] == [(v, "n") for v in expected_ratings]
    assert {c[duration].value for c in cells} == {150}

    # Parquet is typed data that no spreadsheet evaluates: the stored text as it is
    _export(cli_env, "parquet", tmp_path / "w1.parquet")
    table = pq.read_table(tmp_path / "w1.parquet")
    assert table.column("COMMENT").to_pylist() == [*COMMENTS, OLD]
    assert table.column("RATING").to_pylist() == expected_ratings
