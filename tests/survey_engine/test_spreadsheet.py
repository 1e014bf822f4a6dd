"""The one rule for spreadsheet cells (survey_engine.results.spreadsheet): formulas quoted, numbers kept,
XML-illegal
characters removed; XLSX text cells are strings whatever they hold."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from survey_engine.results.spreadsheet import csv_cells, csv_line, safe_text, xlsx_cells

ATTACKS = {
    '=HYPERLINK("http://x","y")': '\'=HYPERLINK("http://x","y")',
    "+1": "'+1",
    "@SUM(A1)": "'@SUM(A1)",
    "-2+3": "'-2+3",
    "=cmd|' /C calc'!A0": "'=cmd|' /C calc'!A0",
    "\t=1": "'\t=1",
    "\r=1": "'\r=1",
    "-": "'-",
    "＝1+1": "'＝1+1",  # fullwidth equals sign: NFKC folds it into "="
    "﹫SUM(A1)": "'﹫SUM(A1)",  # small commercial at
    "\x00=1": "'=1",  # a NUL in front does not hide the formula
}


@pytest.mark.parametrize("text,expected", list(ATTACKS.items()))
def test_text_a_spreadsheet_would_run_is_quoted(text: str, expected: str) -> None:
    assert safe_text(text) == expected


@pytest.mark.parametrize("text", ["plain", "a=b", "Rất tốt", "'=already quoted", "#N/A", "", "1+1", " =1"])
def test_other_text_is_kept(text: str) -> None:
    assert safe_text(text) == text


@pytest.mark.parametrize("text", ["-3", "-0.25", "-.5", "-1.5e-05", "-12E+3"])
def test_negative_numbers_written_as_text_stay_numbers(text: str) -> None:
    assert safe_text(text) == text


def test_characters_xml_cannot_hold_are_removed_and_the_rest_kept() -> None:
    assert safe_text("a\x00b\x1bc\x08d\x0be\x0cf\x1fg\ufffeh\uffffi\ud800j") == "abcdefghij"
    assert safe_text("line\nnext\ttab\rend") == "line\nnext\ttab\rend"


def test_csv_cells_keep_numbers_and_empty_none() -> None:
    when = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    assert csv_cells([-3, -2.5, Decimal("-1.25"), 0, None, when, "=1", True]) == [
        -3,
        -2.5,
        Decimal("-1.25"),
        0,
        "",
        "2026-03-01T08:30:00+00:00",
        "'=1",
        True,
    ]
    line = csv_line(['=HYPERLINK("http://x")', "+1", "@SUM(A1)", "plain", 3, -3, None, "a=b"])
    assert line == '"\'=HYPERLINK(""http://x"")",\'+1,\'@SUM(A1),plain,3,-3,,a=b\r\n'
    assert next(csv.reader(io.StringIO(csv_line(["x\x00y", "-2+3"])))) == ["xy", "'-2+3"]


def test_xlsx_text_cells_are_strings_never_formulas_or_errors(tmp_path: Path) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("data")
    sheet.append(xlsx_cells(sheet, ['=HYPERLINK("http://x","y")', "#N/A", "a\x00b", 4, -3.5, None, "-3"]))
    book.save(tmp_path / "t.xlsx")
    row = next(load_workbook(tmp_path / "t.xlsx")["data"].iter_rows())
    assert [(c.value, c.data_type) for c in row] == [
        ('\'=HYPERLINK("http://x","y")', "s"),
        ("#N/A", "s"),  # openpyxl alone would write an error cell
        ("ab", "s"),
        (4, "n"),
        (-3.5, "n"),
        (None, "n"),
        ("-3", "s"),
    ]


def test_estimates_csv_of_the_api_follows_the_rule() -> None:
    from survey_engine.results.estimates_view import CSV_COLUMNS, CriterionRow, EstimateRows, rows_as_csv

    item = CriterionRow(
        domain={"frame:sex": "=1+1"},
        estimate=-0.5,
        se=0.1,
        ci_low=-0.7,
        ci_high=-0.3,
        level=0.95,
        ci_method="wald-t",
        df=9,
        n=10,
        deff=None,
        n_eff=None,
        cv=0.2,
        flag=None,
        criterion="-2+3",
        element=None,
        label={"vi": '=HYPERLINK("http://x")', "en": "@SUM(A1)"},
        dont_know=0,
    )
    text = rows_as_csv(EstimateRows(indices=[], criteria=[item]))
    header, row = list(csv.reader(io.StringIO(text)))
    assert header == list(CSV_COLUMNS)
    cells = dict(zip(header, row, strict=True))
    assert cells["code"] == "'-2+3" and cells["domain"] == "frame:sex==1+1"
    assert (cells["label_vi"], cells["label_en"]) == ('\'=HYPERLINK("http://x")', "'@SUM(A1)")
    assert (cells["estimate"], cells["ci_low"], cells["ci_high"]) == ("-0.5", "-0.7", "-0.3")
    assert cells["n_eff"] == "" and cells["flag"] == ""
