"""`sipas qr` as a user runs it: demo database, PNG/SVG/PDF by extension, one-line errors."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pypdf
import pytest

from reports.qr import qr_png, qr_svg
from tests.api.test_cli_server import cli_env, cli_env_in, sipas  # noqa: F401  (fixture)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """`sipas demo` run once for the module (seconds of work); every test gets its own copy of the result."""
    root = tmp_path_factory.mktemp("qr-demo")
    result = sipas(["demo", "--json", "--responses", "0"], cli_env_in(root))
    assert result.returncode == 0, result.stderr
    return root, result.stdout


@pytest.fixture
def demo(cli_env: dict[str, str], seeded: tuple[Path, str]) -> dict:  # noqa: F811
    """The demo database and data folder (credentials, device tokens) copied to this test's own paths."""
    root, printed = seeded
    database = Path(cli_env["DATABASE_URL"].removeprefix("sqlite:///"))
    for made in root.glob("cli.sqlite*"):
        shutil.copy(made, database.with_name(made.name))
    shutil.copytree(root / "data", cli_env["SIPAS_DATA_DIR"])
    return json.loads(printed)


def _point(demo: dict, code: str) -> dict:
    return next(p for p in demo["service_points"] if p["code"] == code)


def test_qr_writes_png_svg_and_pdf(cli_env: dict[str, str], demo: dict, tmp_path: Path) -> None:  # noqa: F811
    point = _point(demo, "SO-TP-QUAY")
    png, svg, pdf = tmp_path / "q.png", tmp_path / "q.SVG", tmp_path / "poster.pdf"
    result = sipas(["qr", "SO-TP-QUAY", "--out", str(png)], cli_env)
    assert result.returncode == 0, result.stderr
    assert png.read_bytes() == qr_png(point["online_url"])
    result = sipas(["qr", "SO-TP-QUAY", "--out", str(svg), "--channel", "kiosk"], cli_env)
    assert result.returncode == 0, result.stderr
    # The printed kiosk QR is the public page; a device pairing secret (#device=…) never goes on paper.
    assert svg.read_bytes() == qr_svg(f"https://khaosat.example.vn/k/{point['token']}")
    ET.fromstring(svg.read_bytes())
    result = sipas(["qr", "SO-TP-QUAY", "--out", str(pdf), "--size", "A5", "--lang", "en"], cli_env)
    assert result.returncode == 0, result.stderr
    page = pypdf.PdfReader(pdf).pages[0]
    assert round(float(page.mediabox.width)) == 420
    text = page.extract_text()
    assert "Sở Tư pháp" in text and point["online_url"] in text and "TỈNH AN BÌNH" in text
    assert "Answer about" in text  # the demo wave is open: its questionnaire's length is printed
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temp files left


@pytest.mark.parametrize(
    "args,message",
    [
        (["qr", "NOPE", "--out", "x.pdf"], "unknown service point"),
        (["qr", "SO-TP-QUAY", "--out", "x.gif"], ".png, .svg or .pdf"),
        (["qr", "SO-TP-QUAY", "--out", "x.pdf", "--size", "A3"], "invalid choice"),
        (["qr", "SO-TP-QUAY", "--out", "x.png", "--channel", "phone"], "invalid choice"),
        (["qr", "SO-TP-QUAY", "--out", "missing-folder/x.png"], "does not exist"),
        (["qr", "SO-TP-QUAY"], "--out"),
    ],
)
def test_qr_mistakes_are_one_line_and_exit_2(
    cli_env: dict[str, str],  # noqa: F811
    demo: dict,
    tmp_path: Path,
    args: list[str],
    message: str,
) -> None:
    args = [str(tmp_path / a) if a.startswith(("x.", "missing")) else a for a in args]
    result = sipas(args, cli_env)
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert not any(p.name.startswith("x.") for p in tmp_path.iterdir())
