"""``sipas units agency-successions import FILE.csv``: the example file loads; a bad file is refused whole in
one line on stderr (exit 2) and nothing is written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.api.test_cli_server import cli_env, sipas  # noqa: F401  (fixture)

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "map-2025"
# The example's departments, each on its province of the old or the new map.
DEPARTMENTS = {
    "STP-HG": ("HAGIANG", "2008-08"),
    "STP-TQ-08": ("TUYENQUANG", "2008-08"),
    "STP-TQ": ("TUYENQUANG", "2025-07"),
    "STP-YB": ("YENBAI", "2008-08"),
    "STP-LC-08": ("LAOCAI", "2008-08"),
    "STP-LC": ("LAOCAI", "2025-07"),
}


def _register(database: Path) -> None:
    with sqlite3.connect(database) as db:
        for code, (unit, version) in DEPARTMENTS.items():
            (unit_id,) = db.execute(
                "SELECT id FROM admin_unit WHERE code = ? AND unit_version = ?", (unit, version)
            ).fetchone()
            db.execute(
                "INSERT INTO agency (code, name_vi, name_en, level, unit, active, created_at) "
                "VALUES (?, ?, ?, 'province', ?, 1, '2026-12-07T00:00:00+00:00')",
                (code, f"Sở Tư pháp {code}", f"Department of Justice {code}", unit_id),
            )


def _stored(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute("SELECT COUNT(*) FROM agency_succession").fetchone()[0])


def test_cli_imports_agency_successions(cli_env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    for args in (["units", "import", "units.csv"], ["units", "successions", "import", "successions.csv"]):
        done = sipas([*args[:-1], str(EXAMPLE / args[-1])], cli_env)
        assert done.returncode == 0, done.stderr
    database = tmp_path / "cli.sqlite"
    _register(database)

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "predecessor,successor,population_share\nSTP-HG,STP-TQ,1\nSTP-TQ,STP-HG,1\n", encoding="utf-8"
    )
    refused = sipas(["units", "agency-successions", "import", str(bad)], cli_env)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        "error: bad.csv: line 3: STP-HG (map 2008-08) must be on a later map version than "
        "STP-TQ (map 2025-07)"
    ]
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("predecessor,successor\nSTP-HG,NOPE\n", encoding="utf-8")
    refused = sipas(["units", "agency-successions", "import", str(unknown)], cli_env)
    assert (refused.returncode, refused.stderr.strip()) == (
        2,
        "error: unknown.csv: line 2: no agency with code NOPE",
    )
    over = tmp_path / "over.csv"
    over.write_text(
        "predecessor,successor,population_share\nSTP-HG,STP-TQ,0.7\nSTP-HG,STP-LC,0.5\n", encoding="utf-8"
    )
    refused = sipas(["units", "agency-successions", "import", str(over)], cli_env)
    assert refused.returncode == 2
    assert "the shares of STP-HG into its successors would sum to 1.2, over 1" in refused.stderr
    assert _stored(database) == 0

    path = str(EXAMPLE / "agency-successions.csv")
    done = sipas(["units", "agency-successions", "import", path], cli_env)
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.strip()
        == "4 agency successions of 2 successor agencies imported (0 stored rows replaced)"
    )
    again = sipas(["units", "agency-successions", "import", path], cli_env)
    assert (
        again.stdout.strip()
        == "4 agency successions of 2 successor agencies imported (4 stored rows replaced)"
    )
    assert _stored(database) == 4
    usage = sipas(["units", "agency-successions", "import", str(tmp_path / "missing.csv")], cli_env)
    assert usage.returncode == 2 and len(usage.stderr.strip().splitlines()) == 1
