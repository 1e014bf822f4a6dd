"""`sipas publish`: the release steps from the shell, acting as two named staff accounts."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.api.test_cli_server import cli_env, sipas  # noqa: F401  (fixture)


def test_publish_acts_as_named_accounts_and_corrects(cli_env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    demo = sipas(["demo", "--json", "--responses", "120"], cli_env)
    assert demo.returncode == 0, demo.stderr
    wave = json.loads(demo.stdout)["wave"]
    base = ["publish", "--wave", wave, "--prepared-by", "thongke@demo.sipas.vn"]
    # the wave is still open: nothing is released
    open_wave = sipas([*base, "--approved-by", "admin@demo.sipas.vn"], cli_env)
    assert open_wave.returncode == 2 and "closed" in open_wave.stderr and "Traceback" not in open_wave.stderr
    with sqlite3.connect(tmp_path / "cli.sqlite") as db:  # closing a wave has no command yet: set it here
        db.execute("UPDATE wave SET status = 'closed' WHERE code = ?", (wave,))
    unknown = sipas([*base, "--approved-by", "nobody@demo.sipas.vn"], cli_env)
    assert unknown.returncode == 2 and "no staff account nobody@demo.sipas.vn" in unknown.stderr
    # the preparer cannot approve their own release
    same = sipas(
        [
            "publish",
            "--wave",
            wave,
            "--prepared-by",
            "admin@demo.sipas.vn",
            "--approved-by",
            "admin@demo.sipas.vn",
        ],
        cli_env,
    )
    assert same.returncode == 2 and "someone other" in same.stderr
    # an agency user may not approve
    agency = sipas([*base, "--approved-by", "so-tp@demo.sipas.vn"], cli_env)
    assert agency.returncode == 2

    done = sipas([*base, "--approved-by", "admin@demo.sipas.vn", "--json"], cli_env)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["version"] == 1 and out["prepared_by"] == "thongke@demo.sipas.vn"
    assert out["approved_by"] == "admin@demo.sipas.vn" and len(out["snapshot_hash"]) == 64

    again = sipas([*base, "--approved-by", "admin@demo.sipas.vn"], cli_env)
    assert again.returncode == 2 and "correction" in again.stderr
    with sqlite3.connect(tmp_path / "cli.sqlite") as db:  # a name to correct
        db.execute("UPDATE agency SET name_en = name_en || ' (corrected)' WHERE code = 'SO-TP'")
    half = sipas([*base, "--approved-by", "admin@demo.sipas.vn", "--changelog-vi", "Sửa"], cli_env)
    assert half.returncode == 2 and "both" in half.stderr
    fixed = sipas(
        [
            *base,
            "--approved-by",
            "admin@demo.sipas.vn",
            "--changelog-vi",
            "Sửa lỗi",
            "--changelog-en",
            "Fixed",
        ],
        cli_env,
    )
    assert fixed.returncode == 0, fixed.stderr
    assert f"published wave {wave} version 2" in fixed.stdout
    with sqlite3.connect(tmp_path / "cli.sqlite") as db:
        actions = db.execute(
            "SELECT action, actor_email FROM audit_log WHERE object_type = 'release' ORDER BY id"
        ).fetchall()
    assert actions[-3:] == [
        ("release.prepare", "thongke@demo.sipas.vn"),
        ("release.approve", "admin@demo.sipas.vn"),
        ("release.publish", "admin@demo.sipas.vn"),
    ]
