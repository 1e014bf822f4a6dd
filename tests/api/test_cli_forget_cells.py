"""`sipas db forget-cells [--wave CODE]`: deletes the cell sums kept in the database (all, or one wave's);
`sipas db warm-cells --wave CODE [--by COLS]`: stores them ahead of requests for every domain column. An
unknown wave or domain column is one line on stderr and exit 2, with nothing deleted or stored."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from survey_engine.results import stored_cells
from tests.api.test_cli_server import cli_env_in, sipas


def _stored(path: str, wave_code: str) -> None:
    conn = sqlite3.connect(path)
    wave = conn.execute("SELECT id FROM wave WHERE code = ?", (wave_code,)).fetchone()[0]
    conn.execute(
        "INSERT INTO stored_cell_set (wave, criteria, columns, version, responses_up_to, frame_units_up_to, "
        "read_at, payload) VALUES (?, 'c', 'cells:agency', '[]', 0, 0, '2026-12-01T00:00:00+00:00', x'00')",
        (wave,),
    )
    conn.commit()
    conn.close()


def _count(path: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM stored_cell_set").fetchone()[0])
    finally:
        conn.close()


def test_forget_cells_of_one_wave_then_all(tmp_path: Path) -> None:
    env = cli_env_in(tmp_path)
    assert sipas(["demo", "--responses", "0"], env).returncode == 0
    path = env["DATABASE_URL"].removeprefix("sqlite:///")
    _stored(path, "AB-2026")

    unknown = sipas(["db", "forget-cells", "--wave", "NO-SUCH"], env)
    assert unknown.returncode == 2
    assert unknown.stderr.strip().splitlines() == [unknown.stderr.strip()]
    assert "no wave NO-SUCH" in unknown.stderr
    assert _count(path) == 1  # nothing deleted

    one = sipas(["db", "forget-cells", "--wave", "AB-2026"], env)
    assert one.returncode == 0, one.stderr
    assert one.stdout.strip() == "1 stored cell sets forgotten"
    assert _count(path) == 0

    _stored(path, "AB-2026")
    everything = sipas(["db", "forget-cells"], env)
    assert everything.returncode == 0 and everything.stdout.strip() == "1 stored cell sets forgotten"
    assert _count(path) == 0


def _columns(path: str) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return sorted(r[0] for r in conn.execute("SELECT columns FROM stored_cell_set"))
    finally:
        conn.close()


def test_warm_cells_stores_every_domain_column_and_the_sets_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stored_cells, "STORE_MIN_RESPONSES", 0)  # the demo's 120 responses are stored too
    env = cli_env_in(tmp_path)
    assert sipas(["demo", "--responses", "120"], env).returncode == 0
    path = env["DATABASE_URL"].removeprefix("sqlite:///")

    for args, message in (
        (["--wave", "NO-SUCH"], "--wave: no wave NO-SUCH"),
        (["--wave", "AB-2026", "--by", "channel,nope"], "--by: unknown column nope"),
        (
            ["--wave", "AB-2026", "--by", "item:ZZ"],
            "--by: item:ZZ: the questionnaire has no single-choice item",
        ),
    ):
        refused = sipas(["db", "warm-cells", *args], env)
        assert refused.returncode == 2
        assert len(refused.stderr.strip().splitlines()) == 1 and message in refused.stderr
        assert _columns(path) == []  # every set is checked before the first is read

    warmed = sipas(["db", "warm-cells", "--wave", "AB-2026", "--by", "channel,item:A1"], env)
    assert warmed.returncode == 0, warmed.stderr
    lines = warmed.stdout.strip().splitlines()
    assert [line.split(":", 1)[0] for line in lines][:2] == ["by=agency", "by=channel"]
    assert lines[-1].startswith("by=channel,item:A1: 120 responses in ")
    assert all(" 120 responses in " in line for line in lines)
    items = [line.split(":")[1] for line in lines if line.startswith("by=item:")]
    assert "A1" in items  # every single-choice item outside the criteria
    assert _columns(path) == sorted(
        [
            "cells\nservice_point\nagency",
            "cells\nservice_point\nagency\nchannel",
            *(f"cells\nservice_point\nagency\nitem:{i}" for i in items),
            "cells\nservice_point\nagency\nchannel\nitem:A1",
            "channels",
        ]
    )
