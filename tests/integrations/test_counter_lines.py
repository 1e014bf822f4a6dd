"""Reading counter rating lines: the fast path (typed envelope) and the general path agree on every line."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from survey_engine.integrations.counter_lines import LineRejected, NdjsonReader, RatingLine, read_ndjson_line

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
ID = "0b9e6b4e-8c0a-4f5e-9a39-0b7b2f6b2a11"
BASE = {
    "id": ID,
    "service_point": "A1-Q1",
    "questionnaire": "counter-3",
    "answers": {"RATING": 3},
    "rated_at": "2026-11-01T10:00:00+07:00",
}

LINES = [
    BASE,
    {**BASE, "answers": {"RATING": 1, "COMMENT": 'Góp ý "rõ" \\ nhé'}, "officer": None},
    {**BASE, "service_point": "  A1-Q1 ", "dossier_code": "000.00.01.H1", "officer": ""},
    {
        **BASE,
        "questionnaire": "decree61-9",
        "answers": {"D61_2": "S1", "D61_1": "S2"},
        "rated_at": "2026-11-01",
    },
    {**BASE, "id": ID.upper()},  # not canonical: the general path writes it in canonical form
    {**BASE, "answers": {"RATING": 2.5}},  # the validator judges answers later: both paths keep it
    {**BASE, "answers": {}},
    {**BASE, "answers": [3]},
    {**BASE, "officer": 7},
    {**BASE, "officer": "x" * 65},
    {**BASE, "service_point": "   "},
    {**BASE, "dossier_code": "   "},
    {**BASE, "rated_at": "2099-01-01T00:00:00Z"},
    {**BASE, "rated_at": "yesterday"},
    {**BASE, "questionnaire": "sipas-2017"},
    {**BASE, "extra": 1},
    {key: value for key, value in BASE.items() if key != "rated_at"},
]


@pytest.mark.parametrize("raw", LINES, ids=range(len(LINES)))
def test_both_paths_read_a_line_alike(raw: dict[str, object]) -> None:
    data = msgspec.json.encode(raw)
    general = read_ndjson_line(9, data, NOW)
    fast = NdjsonReader(NOW).read(9, data)
    assert type(fast) is type(general)
    if isinstance(general, RatingLine):
        assert isinstance(fast, RatingLine)
        # The body hash decides "same id, same body" across imports: it must not depend on the path.
        assert fast.body_hash == general.body_hash
        assert (fast.client_id, fast.service_point, fast.dossier_code, fast.officer, fast.rated_at) == (
            general.client_id,
            general.service_point,
            general.dossier_code,
            general.officer,
            general.rated_at,
        )
        assert fast.answers == general.answers
    else:
        assert isinstance(general, LineRejected) and isinstance(fast, LineRejected)
        assert fast.problems == general.problems


def test_the_body_hash_ignores_key_order_and_spacing_only() -> None:
    reader = NdjsonReader(NOW)
    first = reader.read(1, msgspec.json.encode(LINES[1]))
    reordered = (
        b'{"answers": {"COMMENT": "G\\u00f3p \\u00fd \\"r\\u00f5\\" \\\\ nh\\u00e9", "RATING": 1},'
        + (
            b' "officer": null, "rated_at": "2026-11-01T10:00:00+07:00", "questionnaire": "counter-3",'
            b' "service_point": "A1-Q1", "id": "' + ID.encode() + b'"}'
        )
    )
    second = reader.read(2, reordered)
    without_officer = reader.read(
        3, msgspec.json.encode({k: v for k, v in LINES[1].items() if k != "officer"})
    )
    assert isinstance(first, RatingLine) and isinstance(second, RatingLine)
    assert isinstance(without_officer, RatingLine)
    assert first.body_hash == second.body_hash
    assert first.answers_json == second.answers_json == '{"COMMENT":"Góp ý \\"rõ\\" \\\\ nhé","RATING":1}'
    assert without_officer.body_hash != first.body_hash  # "officer": null is part of the body as sent
