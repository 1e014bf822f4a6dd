"""What the statistics layer needs to compute indices from a questionnaire, as plain builtins.

The stats CLI (``sipas index --questionnaire sipas-2023``) and the report layer must not know
the definition format; they get criterion codes per element / part, the positive ("top-box")
values, the don't-know code to exclude from denominators, and for Decree 61 the option scores.
Everything returned is JSON-serialisable (lists, dicts, str, int) so it can be written into a
method note or a codebook unchanged.
"""

from __future__ import annotations

from typing import Any

from survey_engine.questionnaire.definition import (
    DONT_KNOW,
    DONT_KNOW_OPTION,
    SCALE_TYPES,
    Questionnaire,
)

_RULES = {
    "top_box_share": {
        "vi": "Chỉ số thành phần = tỷ lệ trả lời thuộc nhóm mức cao nhất (ví dụ 4–5 'Hài lòng' và "
        "'Rất hài lòng') trên số trả lời hợp lệ, loại trừ 'Không biết / Không áp dụng'; chỉ số "
        "nhóm, phần và tổng hợp = trung bình cộng các chỉ số thành phần.",
        "en": "Criterion index = share of valid answers in the top box (e.g. 4–5, satisfied or very "
        "satisfied), don't know / not applicable excluded from the denominator; element, part "
        "and overall indices = mean of their criteria.",
    },
    "mean_score": {
        "vi": "Chỉ số thành phần = điểm trung bình của các trả lời hợp lệ, quy về thang 0–100 (mức thấp "
        "nhất 0, cao nhất 100), loại trừ 'Không biết / Không áp dụng'; chỉ số nhóm, phần và tổng hợp = "
        "trung bình cộng các chỉ số thành phần.",
        "en": "Criterion index = mean of the valid answers rescaled to 0–100 (lowest point 0, highest 100), "
        "don't know / not applicable excluded; element, part and overall indices = mean of their criteria.",
    },
    "score_sum": {
        "vi": "Điểm mỗi chỉ số = điểm trung bình của các phiếu; tổng điểm = tổng điểm trung bình các chỉ số "
        "(bằng điểm trung bình của tổng điểm mỗi phiếu khi phiếu trả lời đủ các chỉ số).",
        "en": "Indicator score = mean score over the responses; total score = sum of the indicators' mean "
        "scores (the mean of each response's total when every indicator is answered).",
    },
    "weighted_mean": {
        "vi": "Điểm mỗi yếu tố = điểm trung bình các câu của yếu tố; chỉ số = tổng có trọng số các điểm "
        "yếu tố nhân hệ số quy đổi.",
        "en": "Element score = mean answer of its criteria; index = weighted sum of the element scores "
        "times the conversion multiplier.",
    },
}


_AGGREGATIONS = {
    "top_box_share": "mean_of_criteria",
    "mean_score": "mean_of_criteria",
    "score_sum": "sum_of_scores",
    "weighted_mean": "weighted_mean_of_elements",
}


def index_structure(q: Questionnaire) -> dict[str, Any]:
    """Criteria per element and part, with valid/top values and don't-know codes.

    Returns a dict with keys ``questionnaire``, ``version``, ``instrument``, ``rule``,
    ``rule_description`` ({vi, en}), ``criteria`` (list of dicts: ``code``, ``ref``, ``element``,
    ``part``, ``type``, ``labels``, ``valid_values``, ``top_values``, ``dont_know``, ``scores``,
    ``min_score``, ``max_score``), ``elements`` and ``parts`` (lists of dicts with ``code``, ``ref``,
    ``labels``, ``criteria``; parts also ``elements``), ``overall`` (``criteria``, ``aggregation``,
    ``max_score``), ``top_values`` (the common top-box values when all criteria share them,
    else ``None``), ``dont_know`` (the code used, or ``None`` if no criterion allows it), and the
    rule's parameters: ``weights`` (element → weight), ``multiplier``, ``bands`` (``code``, ``labels``,
    ``min``, from the lowest) and ``source`` ({vi, en} or ``None``).

    Raises ``ValueError`` if the questionnaire defines no index.
    """
    if q.index is None:
        raise ValueError(f"questionnaire {q.id!r} defines no index")
    idx = q.index
    part_of = {g.code: g.part for g in idx.groups}

    criteria: list[dict[str, Any]] = []
    for it in q.items:
        if it.element is None:
            continue
        entry: dict[str, Any] = {
            "code": it.code,
            "ref": it.ref,
            "element": it.element,
            "part": part_of[it.element],
            "type": it.type,
            "labels": {"vi": it.labels.vi, "en": it.labels.en},
            "valid_values": [],
            "top_values": [],
            "dont_know": None,
            "scores": None,
            "min_score": None,
            "max_score": None,
        }
        if it.type in SCALE_TYPES:
            scale = q.scales[it.scale or ""]
            entry["valid_values"] = [p.value for p in scale.points]
            entry["top_values"] = sorted(scale.top_box)
            entry["dont_know"] = DONT_KNOW if it.allow_dont_know else None
            entry["min_score"] = min(entry["valid_values"])
            entry["max_score"] = max(entry["valid_values"])
        else:  # single-choice criterion with scored options (score_sum, weighted_mean)
            opts = it.options or []
            entry["valid_values"] = [o.code for o in opts]
            entry["dont_know"] = DONT_KNOW_OPTION if it.allow_dont_know else None
            scores = {o.code: o.score for o in opts if o.score is not None}
            entry["scores"] = scores
            entry["max_score"] = max(scores.values()) if scores else None
            entry["min_score"] = min(scores.values()) if scores else None
        criteria.append(entry)

    elements = [
        {
            "code": g.code,
            "ref": g.ref,
            "labels": {"vi": g.labels.vi, "en": g.labels.en},
            "part": g.part,
            "criteria": [c["code"] for c in criteria if c["element"] == g.code],
        }
        for g in idx.groups
    ]
    parts = [
        {
            "code": p.code,
            "ref": p.ref,
            "labels": {"vi": p.labels.vi, "en": p.labels.en},
            "elements": [g.code for g in idx.groups if g.part == p.code],
            "criteria": [c["code"] for c in criteria if c["part"] == p.code],
        }
        for p in idx.parts
    ]
    tops = {tuple(c["top_values"]) for c in criteria}
    dks = {c["dont_know"] for c in criteria} - {None}
    score_sum = idx.rule == "score_sum"
    return {
        "questionnaire": q.id,
        "version": q.version,
        "instrument": q.instrument,
        "rule": idx.rule,
        "rule_description": _RULES[idx.rule],
        "criteria": criteria,
        "elements": elements,
        "parts": parts,
        "overall": {
            "criteria": [c["code"] for c in criteria],
            "aggregation": _AGGREGATIONS[idx.rule],
            "max_score": sum(c["max_score"] for c in criteria) if score_sum else None,
        },
        "weights": dict(idx.weights),
        "multiplier": idx.multiplier,
        "bands": [
            {"code": b.code, "labels": {"vi": b.labels.vi, "en": b.labels.en or b.labels.vi}, "min": b.min}
            for b in idx.bands
        ],
        "source": None if idx.source is None else {"vi": idx.source.vi, "en": idx.source.en or idx.source.vi},
        "top_values": list(tops.pop()) if len(tops) == 1 and not score_sum else None,
        "dont_know": dks.pop() if len(dks) == 1 else None,
    }
