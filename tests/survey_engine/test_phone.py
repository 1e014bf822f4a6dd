"""Phone numbers, the contacts CSV parser and the AAPOR disposition table, without a database."""

from __future__ import annotations

import re

import pytest

from survey_engine.fieldwork.contacts_csv import parse_contacts_csv
from survey_engine.fieldwork.dispositions import CALLBACK, COMPLETE, DISPOSITIONS, FINAL_STATUSES, OUTCOMES
from survey_engine.fieldwork.phone_numbers import normalise_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0912345678", "+84912345678"),  # mobile, national format
        ("091 234 5678", "+84912345678"),
        ("091.234.5678", "+84912345678"),
        ("+84 91 234 5678", "+84912345678"),
        ("0084912345678", "+84912345678"),
        ("912345678", "+84912345678"),  # a spreadsheet dropped the leading 0
        ("84912345678", "+84912345678"),  # … and the +
        ("(024) 3825-1234", "+842438251234"),  # Hà Nội landline, 10-digit national number
        ("02438251234", "+842438251234"),
        ("842438251234", "+842438251234"),
    ],
)
def test_vietnamese_numbers_are_normalised(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12345",
        "0012345678",
        "09123456789012",
        "+1 202 555 0100",
        "09123abc78",
        "０９１２３４５６７８",
        "+840912345678",
    ],
)
def test_other_strings_are_not_phone_numbers(raw: str) -> None:
    assert normalise_phone(raw) is None


def test_the_parser_numbers_rows_from_zero_after_the_header_and_names_lines() -> None:
    data = b"code,agency,phone\nC1,A1,0912345678\nC2,A1,1\n"
    rows, problems = parse_contacts_csv(data)
    assert [r.code for r in rows] == ["C1"]
    assert rows[0].phone == "+84912345678" and rows[0].line == 2
    assert [(p.field, p.code) for p in problems] == [("rows[1].phone", "invalid")]
    assert problems[0].message.startswith("line 3:")


def test_quoted_fields_may_hold_delimiters_and_newlines() -> None:
    data = b'code,agency,phone,dossier_code\nC1,A1,0912345678,"H01,\n2026"\nC2,A1,0912345679,\n'
    rows, problems = parse_contacts_csv(data)
    assert problems == []
    assert rows[0].dossier_code == "H01,\n2026"
    assert rows[1].line == 4 and rows[1].dossier_code is None


def test_header_names_ignore_case_and_spaces_and_emails_are_lowercased() -> None:
    data = b" Code , AGENCY,Phone,Assigned_To\nC1,A1,0912345678, Interviewer@Example.org \n"
    rows, problems = parse_contacts_csv(data)
    assert problems == []
    assert rows[0].assigned_to == "interviewer@example.org"


def test_a_broken_quote_is_reported_on_its_row() -> None:
    _rows, problems = parse_contacts_csv(b'code,agency,phone\nC1,A1,0912345678\n"C2,A1,0912345679\n')
    assert [p.field for p in problems] == ["rows[1]"]
    assert problems[0].code == "malformed"


def test_a_duplicate_header_column_is_refused() -> None:
    rows, problems = parse_contacts_csv(b"code,agency,phone,phone\nC1,A1,0912345678,0912345678\n")
    assert rows == [] and [(p.field, p.code) for p in problems] == [("header", "duplicate")]


def test_bad_utf8_in_the_header_points_at_the_header() -> None:
    rows, problems = parse_contacts_csv(b"c\xf4de,agency,phone\n")
    assert rows == [] and [(p.field, p.code) for p in problems] == [("header", "encoding")]


def test_every_disposition_is_an_aapor_code_with_a_known_outcome() -> None:
    for code, disposition in DISPOSITIONS.items():
        assert re.fullmatch(r"[1-4]\.\d{1,3}", code), code
        assert len(code) <= 8  # call_attempt.disposition is VARCHAR(8)
        assert disposition.outcome in OUTCOMES, code
    assert DISPOSITIONS[COMPLETE].outcome == "complete"
    assert DISPOSITIONS[CALLBACK].outcome == "callback"
    assert [c for c, d in DISPOSITIONS.items() if d.outcome == "callback"] == [CALLBACK]
    # The AAPOR groups: 1 interviews, 2 eligible non-interviews, 3 unknown eligibility, 4 not eligible.
    assert {d.outcome for c, d in DISPOSITIONS.items() if c.startswith("1.")} == {"complete", "partial"}
    assert {d.outcome for c, d in DISPOSITIONS.items() if c.startswith("4.")} == {"ineligible"}
    assert {d.outcome for c, d in DISPOSITIONS.items() if c.startswith("3.")} <= {"unknown", "non_contact"}
    assert all(len(max(o, key=len)) <= 16 for o in OUTCOMES)  # call_attempt.outcome is VARCHAR(16)
    assert set(FINAL_STATUSES) <= set(OUTCOMES)
