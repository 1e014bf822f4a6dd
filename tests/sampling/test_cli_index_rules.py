"""``sipas index --questionnaire decree61-9|ikm-9``: a template scored by its own rule, from a file
(scored answers as option codes, as ``sipas export`` writes them), equal to the estimator on the same
values; a bad option code is a one-line usage error."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import numpy as np
import pytest

from api.cli import main
from sampling import Design
from sampling.index_rules import estimate_rule
from survey_engine.answer_codes import criteria_layout
from survey_engine.questionnaire import get_template
from survey_engine.results.analysis_cells import groups_of
from survey_engine.results.index_rule import scoring_rule


def _file(tmp_path: Path, template: str, rows: int = 80) -> tuple[Path, list[dict[str, str]]]:
    q = get_template(template)
    layout = criteria_layout(q)
    rng = random.Random(3)
    records = []
    for i in range(rows):
        row = {"psu": f"P{i // 4}", "w": f"{1 + (i % 3)}", "agency": "A1" if i % 2 else "A2"}
        for c in layout.criteria:
            item = q.item(c.code)
            if item.options:
                row[c.code] = rng.choice([o.code for o in item.options] + ["DK", ""])
            else:
                row[c.code] = rng.choice(["1", "2", "3", "4", "4", "9", ""])
        records.append(row)
    path = tmp_path / f"{template}.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)
    return path, records


def _expected(template: str, records: list[dict[str, str]]) -> dict[tuple[str, str], tuple[float, float]]:
    q = get_template(template)
    layout = criteria_layout(q)
    values = {}
    for c in layout.criteria:
        item = q.item(c.code)
        if item.options:
            score = {o.code: float(o.score or 0) for o in item.options}
            values[c.code] = np.array([score.get(r[c.code], np.nan) for r in records])
        else:
            values[c.code] = np.array(
                [float(r[c.code]) if r[c.code] in "1234" and r[c.code] else np.nan for r in records]
            )
    design = Design(
        psu=np.array([r["psu"] for r in records]), weights=np.array([float(r["w"]) for r in records])
    )
    result = estimate_rule(
        design,
        values,
        scoring_rule(layout, groups_of(layout)),
        by={"agency": np.array([r["agency"] for r in records])},
    )
    return {
        (e.variable, e.domain["agency"]): (e.estimate, e.se)
        for e in (*result.groups.estimates, *result.criteria.estimates)
    }


@pytest.mark.parametrize(("template", "measure"), [("decree61-9", "total score 0-18"), ("ikm-9", "weighted")])
def test_rule_template_from_a_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, template: str, measure: str
) -> None:
    path, records = _file(tmp_path, template)
    status = main(
        [
            "index",
            str(path),
            "--questionnaire",
            template,
            "--psu",
            "psu",
            "--weight",
            "w",
            "--by",
            "agency",
            "--format",
            "json",
        ]
    )
    out, err = capsys.readouterr()
    assert status == 0, err
    body = json.loads(out)
    assert body["measure"].startswith(measure)
    expected = _expected(template, records)
    for e in (*body["indices"], *body["criteria"]):
        est, se = expected[(e["variable"], e["domain"]["agency"])]
        assert e["estimate"] == pytest.approx(est, rel=1e-12) and e["se"] == pytest.approx(se, rel=1e-12)
    overall = [e for e in body["indices"] if e["variable"] == "SIPAS"]
    assert len(overall) == 2 and all(e["ci_method"] == "logit-t" for e in overall)


def test_unknown_option_code_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path, _ = _file(tmp_path, "decree61-9", rows=8)
    text = path.read_text(encoding="utf-8").replace(",S2,", ",S7,", 1)
    path.write_text(text, encoding="utf-8")
    status = main(["index", str(path), "--questionnaire", "decree61-9", "--psu", "psu"])
    out, err = capsys.readouterr()
    assert status == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("error: criterion ") and "'S7' is not one of its options" in err
