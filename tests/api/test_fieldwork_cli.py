"""`sipas frame import|letters`: the same validation as the API, without its body limit."""

from __future__ import annotations

import json
from pathlib import Path

from tests.api.test_cli_server import cli_env, sipas  # noqa: F401  (fixture)


def test_frame_import_stores_all_rows_or_reports_each_problem(
    cli_env: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    demo = sipas(["demo", "--json", "--responses", "0"], cli_env)
    assert demo.returncode == 0, demo.stderr
    agencies = json.loads(demo.stdout)["agencies"][:2]
    lines = ["dossier_code,agency,field,completed_on,phone"]
    lines += [f"HS-{i:05d},{agencies[i % 2]},Hộ tịch,01/03/2026,09{i:08d}" for i in range(40_000)]
    big = tmp_path / "frame.csv"
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert big.stat().st_size > 1024 * 1024  # more than the HTTP body limit
    result = sipas(["frame", "import", "--wave", "AB-2026", str(big)], cli_env)
    assert result.returncode == 0, result.stderr
    assert "imported 40000 dossiers" in result.stdout
    again = sipas(["frame", "import", "--wave", "AB-2026", str(big)], cli_env)
    assert again.returncode == 2
    assert "rows[0].dossier_code: line 2: already in the frame" in again.stderr
    assert "HS-00000" not in again.stderr and "+84" not in again.stderr
    letters = sipas(
        ["frame", "letters", "--wave", "AB-2026", str(big), "--out", str(tmp_path / "l.pdf")], cli_env
    )
    assert letters.returncode == 2 and "not drawn" in letters.stderr
    assert "Traceback" not in letters.stderr + again.stderr
