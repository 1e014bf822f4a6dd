"""``sipas report``: options, batch rendering in worker processes, progress, atomic files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from api.cli import main
from api.results.cli_report import Progress, render_batch
from reports.scorecard import scorecard_filename
from tests.reports.test_scorecard_build import build_scorecard, synthetic_province


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(scope="module")
def cards():  # type: ignore[no-untyped-def]
    province = synthetic_province()
    return [build_scorecard(province, code, "vi") for code in province.codes]


@pytest.mark.parametrize("workers", [1, 2])
def test_batch_renders_every_agency_in_worker_processes(tmp_path: Path, cards, workers: int) -> None:  # type: ignore[no-untyped-def]
    items = [(d, str(tmp_path / scorecard_filename("AB-2026", d.agency.code, "en"))) for d in cards]
    stream = io.StringIO()
    results = render_batch(items, "en", workers=workers, stream=stream, invariant=True)
    assert sorted(p for p, _ in results) == sorted(p for _, p in items)
    lines = stream.getvalue().splitlines()
    assert len(lines) == len(cards) and all(" wrote " in line for line in lines)
    assert lines[-1].startswith(f"[{len(cards)}/{len(cards)}]")
    for _, path in items:
        reader = PdfReader(path)
        assert 2 <= len(reader.pages) <= 4
        assert "SIPAS index" in (reader.pages[0].extract_text() or "")
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary files left behind
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(f"scorecard-AB-2026-{d.agency.code}-en.pdf" for d in cards)


def test_progress_bar_on_a_terminal() -> None:
    stream = FakeTty()
    progress = Progress(4, stream, width=8)
    for i in range(4):
        progress.advance(f"/x/scorecard-{i}.pdf", 1000)
    out = stream.getvalue()
    assert out.count("\r") == 4 and "[########] 4/4" in out and out.endswith("\n")
    assert "[##------] 1/4" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "--wave", "W1", "--out", "x"], "one of the arguments --agency --all is required"),
        (["report", "--agency", "A1", "--all", "--wave", "W1", "--out", "x"], "not allowed with"),
        (["report", "--agency", "A1", "--out", "x"], "--wave"),
        (["report", "--all", "--wave", "W1", "--out", "x", "--lang", "fr"], "invalid choice"),
        (["report", "--all", "--wave", "W1", "--out", "x", "--workers", "0"], "between 1 and 64"),
    ],
)
def test_usage_errors_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_all_needs_an_existing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--all", "--wave", "W1", "--out", str(tmp_path / "missing")]) == 2
    assert "existing folder" in capsys.readouterr().err
