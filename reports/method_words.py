"""The words of a scorecard's method note for the codes the statistics loader sends.

``survey_engine`` describes how a series was estimated with codes and parameters (which primary sampling
unit, which variance estimator); the reports layer, which prints every other word of the scorecard in both
languages, words them here. A code without Vietnamese words prints the English ones, as the note did before
it was coded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from reports.numbers import Language, format_count

PSU: dict[str, dict[str, str]] = {
    "sampled_unit": {"vi": "đơn vị được chọn mẫu", "en": "sampled unit"},
    "service_point_day": {"vi": "điểm phục vụ × ngày", "en": "service point × day"},
}
VARIANCE: dict[str, dict[str, str]] = {
    "weights_fixed": {
        "vi": "phương sai tuyến tính hoá Taylor theo cụm bậc 1; trọng số được coi là cố định",
        "en": "Taylor linearisation, ultimate clusters; weights treated as fixed",
    },
    "calibration_linearised": {
        "en": "Taylor linearisation, ultimate clusters; "
        "the {method} ({variables}) of the stored weights linearised",
    },
    "calibration_without_effect": {
        "en": "Taylor linearisation, ultimate clusters; "
        "the {method} ({variables}) of the stored weights linearised"
        " (no effect here: its cells are unions of sampling strata with constant weights in each)",
    },
}
WEIGHTING: dict[str, dict[str, str]] = {
    "final_weights": {
        "vi": "Trọng số cuối cùng theo kế hoạch chọn mẫu.",
        "en": "Final weights from the sampling plan.",
    },
    "unweighted": {"vi": "Không gia quyền.", "en": "Unweighted."},
}


CHANNEL: dict[str, dict[str, str]] = {
    "online": {"vi": "trực tuyến", "en": "online"},
    "kiosk": {"vi": "ki-ốt", "en": "kiosk"},
    "phone": {"vi": "điện thoại", "en": "phone"},
    "paper": {"vi": "phiếu giấy", "en": "paper"},
}


def channels_text(counts: Mapping[str, int]) -> tuple[str, str]:
    """The channels present in a series with their response counts, most first, (Vietnamese, English);
    a channel without words prints its code."""
    ordered = sorted(((c, n) for c, n in counts.items() if n > 0), key=lambda cn: (-cn[1], cn[0]))

    def words(lang: Language, count: str) -> str:
        return "; ".join(
            f"{(CHANNEL.get(c) or {}).get(lang) or c or '?'}: {count.format(n=format_count(n, lang))}"
            for c, n in ordered
        )

    return words("vi", "{n} phiếu") + ".", words("en", "{n} responses") + "."


class DesignCodes(Protocol):
    """How a series was estimated: its label in both languages and the codes of its design."""

    @property
    def label_vi(self) -> str: ...
    @property
    def label_en(self) -> str: ...
    @property
    def psu(self) -> str: ...
    @property
    def variance(self) -> str: ...
    @property
    def variance_params(self) -> Mapping[str, str]: ...


def word(table: Mapping[str, Mapping[str, str]], code: str, lang: Language, **params: str) -> str:
    """The words for ``code`` in ``lang`` (English where it has none), its ``{fields}`` filled in."""
    entry = table[code]
    return (entry.get(lang) or entry["en"]).format(**params)


def design_text(note: DesignCodes) -> tuple[str, str]:
    """The method note's design sentence, (Vietnamese, English)."""
    params = dict(note.variance_params)
    return (
        f"{note.label_vi}. Đơn vị mẫu bậc 1: {word(PSU, note.psu, 'vi')}; "
        f"{word(VARIANCE, note.variance, 'vi', **params)}.",
        f"{note.label_en}. Primary sampling unit: {word(PSU, note.psu, 'en')}; "
        f"{word(VARIANCE, note.variance, 'en', **params)}.",
    )


def weighting_text(code: str) -> tuple[str, str]:
    """The method note's weighting sentence, (Vietnamese, English)."""
    return word(WEIGHTING, code, "vi"), word(WEIGHTING, code, "en")
