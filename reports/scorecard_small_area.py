"""The scorecard's model-based (small-area) block, printed under the headline of an agency whose direct
SIPAS index is flagged or suppressed: the Fay–Herriot EBLUP with its interval and RMSE, labelled as a
model-based figure, with what the model used and how much of the agency's own sample went into it.

Pure rendering from :class:`~reports.scorecard_data.ModelBasedFigure`; the words are here in Vietnamese and
English (Vietnamese first), like the rest of the scorecard's (``reports.scorecard_texts``).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib.colors import HexColor
from reportlab.platypus import Table

from reports.numbers import Language, format_count, format_interval, format_number, format_percent
from reports.scorecard_data import ModelBasedFigure
from reports.scorecard_layout import FRAME_WIDTH, paragraph, table_style

__all__ = ["AUXILIARY_NAMES", "SMALL_AREA_TEXTS", "auxiliary_list", "model_based_block"]

MODEL_BG = HexColor("#EEF1FA")
MODEL_RULE = HexColor("#5B6FB5")

AUXILIARY_NAMES: dict[str, dict[str, str]] = {
    "level": {"vi": "cấp hành chính", "en": "administrative level"},
    "previous_index": {"vi": "chỉ số SIPAS đợt trước", "en": "the previous wave's SIPAS index"},
    "counter_share": {
        "vi": "tỷ lệ đánh giá hài lòng tại quầy",
        "en": "the share of satisfied counter ratings",
    },
}

SMALL_AREA_TEXTS: dict[str, dict[str, str]] = {
    "title": {
        "vi": "Ước lượng dựa trên mô hình (ước lượng khu vực nhỏ)",
        "en": "Model-based estimate (small-area estimation)",
    },
    "label": {
        "vi": "Chỉ số SIPAS theo mô hình — không phải ước lượng trực tiếp từ mẫu",
        "en": "SIPAS index from a model — not a direct estimate from the sample",
    },
    "interval": {"vi": "Khoảng 95 % (xấp xỉ)", "en": "Approximate 95% interval"},
    "rmse": {"vi": "Sai số bình phương trung bình căn (RMSE)", "en": "Root mean squared error (RMSE)"},
    "points": {"vi": "điểm %", "en": "percentage points"},
    "explain": {
        "vi": (
            "Chỉ số trực tiếp của cơ quan bị hạn chế công bố theo quy tắc độ tin cậy (xem ô trên). "
            "Ước lượng này kết hợp ước lượng trực tiếp của cơ quan (trọng số {weight}) với giá trị dự "
            "báo của mô hình Fay–Herriot ước lượng trên {agencies} cơ quan của đợt khảo sát{using}. "
            "Đây là ước lượng dựa trên mô hình: dùng để tham khảo, không dùng để xếp hạng; chỉ số trực "
            "tiếp ở trên vẫn là kết quả chính thức."
        ),
        "en": (
            "The agency's direct index is flagged or suppressed by the publication rule (see above). "
            "This estimate combines the agency's own direct estimate (weight {weight}) with the "
            "prediction of a Fay–Herriot model fitted on {agencies} agencies of the wave{using}. It is "
            "a model-based figure: for guidance, not for ranking; the direct index above remains the "
            "official result."
        ),
    },
    "using": {"vi": ", dựa trên {names}", "en": ", using {names}"},
    "and": {"vi": " và ", "en": " and "},
}


def auxiliary_list(codes: tuple[str, ...], lang: Language) -> str:
    """``level and the previous wave's SIPAS index`` in the language (empty without auxiliaries)."""
    names = [AUXILIARY_NAMES[c][lang] if c in AUXILIARY_NAMES else c for c in codes]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + SMALL_AREA_TEXTS["and"][lang] + names[-1]


def model_based_block(model: ModelBasedFigure, lang: Language) -> Table:
    t = SMALL_AREA_TEXTS
    names = auxiliary_list(model.auxiliaries, lang)
    using = t["using"][lang].format(names=names) if names else ""
    explain = t["explain"][lang].format(
        weight=format_percent(100.0 * model.own_weight, lang, 0),
        agencies=format_count(model.agencies, lang),
        using=using,
    )
    rmse = f"{format_number(model.rmse, lang)} {t['points'][lang]}"
    value = paragraph(
        f"{escape(format_percent(model.estimate, lang))}"
        f"<font size=9>  {escape(t['interval'][lang])}: "
        f"{escape(format_interval(model.ci_low, model.ci_high, lang))} · RMSE {escape(rmse)}</font>",
        "h1",
    )
    inner = [
        paragraph(escape(t["title"][lang]), "h2"),
        paragraph(f"<b>{escape(t['label'][lang])}</b>", "body"),
        value,
        paragraph(escape(explain), "small"),
    ]
    table = Table([[item] for item in inner], colWidths=[FRAME_WIDTH])
    table.setStyle(
        table_style(
            [
                ("BACKGROUND", (0, 0), (-1, -1), MODEL_BG),
                ("BOX", (0, 0), (-1, -1), 1.2, MODEL_RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 12),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (0, 0), 6),
                ("BOTTOMPADDING", (0, -1), (0, -1), 7),
            ]
        )
    )
    return table
