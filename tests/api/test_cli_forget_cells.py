"""`sipas db forget-cells [--wave CODE]`: deletes the cell sums kept in the database (all, or one wave's);
an unknown wave is one line on stderr and exit 2, with nothing deleted."""

from __future__ import annotations

import sqlite3
from pathlib import Path

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
