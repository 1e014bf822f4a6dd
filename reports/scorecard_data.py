"""What a scorecard shows: frozen data, filled by :mod:`reports.build`, rendered by :mod:`reports.scorecard`.

Every number here is already estimated (design-based, with its interval and publication verdict); the
renderer only formats and lays it out. Percentages are on the 0–100 scale. Labels come in Vietnamese
(``*_vi``, the primary text) and English (``*_en``).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, fields
from datetime import date
from typing import Literal

from reports.numbers import Language
from reports.scorecard_drivers import DriversSection

Flag = Literal["review", "suppress"] | None
Verdict = Literal["above", "not-different", "below"]


def nfc_strings(obj: object) -> None:
    """Every ``str`` field in NFC (precomposed letters: every glyph exists, text extracts cleanly)."""
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if isinstance(value, str):
            object.__setattr__(obj, f.name, unicodedata.normalize("NFC", value))


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


@dataclass(frozen=True)
class Figure:
    """One estimate as printed: value, 95 % interval, n and publication verdict (``None`` = publish)."""

    estimate: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None
    se: float | None = None
    flag: Flag = None
    flag_reason: str | None = None

    def __post_init__(self) -> None:
        if self.flag not in (None, "review", "suppress"):
            raise ValueError(f"flag must be None, 'review' or 'suppress' (got {self.flag!r})")
        if self.flag is not None and not self.flag_reason:
            raise ValueError("a flagged figure needs its reason")

    @property
    def suppressed(self) -> bool:
        """True when the value must not be shown (suppressed, or not estimable)."""
        return self.flag == "suppress" or not _finite(self.estimate)

    @property
    def has_interval(self) -> bool:
        return _finite(self.ci_low) and _finite(self.ci_high)


@dataclass(frozen=True)
class AgencyInfo:
    code: str
    name_vi: str
    name_en: str
    level: str  # province | district | commune

    def __post_init__(self) -> None:
        nfc_strings(self)


@dataclass(frozen=True)
class WaveInfo:
    code: str
    name_vi: str
    name_en: str
    period_start: date
    period_end: date

    def __post_init__(self) -> None:
        nfc_strings(self)


@dataclass(frozen=True)
class ElementRow:
    """An element (group of criteria) index."""

    code: str
    label_vi: str
    label_en: str
    figure: Figure

    def __post_init__(self) -> None:
        nfc_strings(self)


@dataclass(frozen=True)
class CriterionRow:
    """A criterion index with its "don't know / not applicable" count (excluded from the denominator)."""

    code: str
    label_vi: str
    label_en: str
    figure: Figure
    dont_know: int
    element: str | None = None

    def __post_init__(self) -> None:
        nfc_strings(self)


@dataclass(frozen=True)
class Contrast:
    """A difference (this agency or wave minus the reference) with its 95 % interval and p-value."""

    difference: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    level: float = 0.95

    @property
    def verdict(self) -> Verdict | None:
        """From the interval of the difference, never from two overlapping intervals; None: unknown."""
        if not (_finite(self.ci_low) and _finite(self.ci_high)):
            return None
        assert self.ci_low is not None and self.ci_high is not None  # noqa: S101 - invariant, not input
        if self.ci_low > 0:
            return "above"
        if self.ci_high < 0:
            return "below"
        return "not-different"


@dataclass(frozen=True)
class Trend:
    """Change of the SIPAS index since the previous wave."""

    previous_wave_code: str
    previous_wave_name_vi: str
    previous_wave_name_en: str
    previous: Figure
    change: Contrast
    # True when either wave's estimate comes from a series that is not a probability sample: the mark
    # then describes the responses received and is not a test of significance.
    descriptive: bool = False
    # The map version the previous figure was computed on from predecessor units (the agency's unit is the
    # successor of units merged or split since the previous wave); None: the agency's own previous figure.
    carried_from: str | None = None

    def __post_init__(self) -> None:
        nfc_strings(self)


@dataclass(frozen=True)
class PeerComparison:
    """This agency against the mean of the agencies of the same level in the province."""

    level: str
    agencies: int  # how many agencies the peer mean covers
    peer_mean: Figure
    gap: Contrast  # agency − peer mean
    best_name_vi: str | None = None  # best performer, shown with its interval (never as a rank)
    best_name_en: str | None = None
    best: Figure | None = None
    descriptive: bool = False  # the series is not a probability sample: the mark is descriptive

    def __post_init__(self) -> None:
        nfc_strings(self)


@dataclass(frozen=True)
class ShareRow:
    label_vi: str
    label_en: str
    share: Figure

    def __post_init__(self) -> None:
        nfc_strings(self)


@dataclass(frozen=True)
class PerceptionItem:
    """A three-option perception item (harassment, informal payments): shares of none / some / many."""

    code: str
    label_vi: str
    label_en: str
    options: tuple[ShareRow, ...]  # none, some, many
    n: int | None = None

    def __post_init__(self) -> None:
        nfc_strings(self)


@dataclass(frozen=True)
class CounterPanel:
    """Counter / QR / kiosk ratings: self-selected, NOT a probability sample; never pooled with the index."""

    n: int
    very_satisfied: float | None  # % of ratings
    satisfied: float | None
    dissatisfied: float | None


@dataclass(frozen=True)
class MethodNote:
    design_vi: str
    design_en: str
    sample_size: int | None
    response_rate: float | None  # %, None when unknown (e.g. self-selected channels only)
    weighting_vi: str
    weighting_en: str
    aggregation_vi: str
    aggregation_en: str
    publication_vi: str
    publication_en: str
    # The channels present in the series with their counts ("" when not known), and whether the series
    # is not a probability sample (every significance mark drawn from it is then descriptive).
    channels_vi: str = ""
    channels_en: str = ""
    descriptive: bool = False

    def __post_init__(self) -> None:
        nfc_strings(self)


@dataclass(frozen=True)
class IndexScale:
    """How the overall index reads under the questionnaire's rule: its name, a percentage (the SIPAS
    top-box share) or points on [low, high] (mean score, total score, weighted mean), and the grade
    (band) the agency's index falls in when the rule publishes bands. The default is the SIPAS index."""

    name_vi: str = "Chỉ số SIPAS"
    name_en: str = "SIPAS index"
    percent: bool = True
    low: float = 0.0
    high: float = 100.0
    grade_vi: str = ""
    grade_en: str = ""
    short: str = "SIPAS"  # the reference line's label on the element chart

    def __post_init__(self) -> None:
        nfc_strings(self)
        if not self.high > self.low:
            raise ValueError("an index scale needs high > low")


@dataclass(frozen=True)
class ModelBasedFigure:
    """A model-based (small-area, Fay–Herriot EBLUP) index printed beside a flagged or suppressed direct one.

    ``rmse`` is the root of its Prasad–Rao/Datta–Lahiri MSE, the interval EBLUP ± 1.96·RMSE (0–100);
    ``own_weight`` the weight (0–1) of the agency's own direct index in it; ``agencies`` how many agencies
    the model was fitted on; ``auxiliaries`` the codes of what it used (``level``, ``previous_index``,
    ``counter_share``).
    """

    estimate: float
    ci_low: float
    ci_high: float
    rmse: float
    own_weight: float
    agencies: int
    auxiliaries: tuple[str, ...]


@dataclass(frozen=True)
class ScorecardData:
    """Everything one agency's scorecard for one wave shows."""

    agency: AgencyInfo
    province_name_vi: str
    province_name_en: str
    wave: WaveInfo
    unit_version: str
    sipas: Figure
    elements: tuple[ElementRow, ...]
    criteria: tuple[CriterionRow, ...]
    method: MethodNote
    trend: Trend | None = None
    # No trend because the previous wave is on an older map and the agency's previous figure could not be
    # computed from its predecessor units: (map version, reason code of survey_engine.results.across_maps).
    trend_not_carried: tuple[str, str] | None = None
    peer: PeerComparison | None = None
    perception: tuple[PerceptionItem, ...] = ()
    expectations: tuple[ShareRow, ...] = ()  # top expectations, largest share first
    counter: CounterPanel | None = None
    lang: Language = "vi"
    index: IndexScale = IndexScale()
    model_based: ModelBasedFigure | None = None  # only beside a flagged or suppressed direct index
    # What goes with overall satisfaction (reports.scorecard_drivers); None: not computed, section omitted.
    drivers: DriversSection | None = None

    def __post_init__(self) -> None:
        nfc_strings(self)
        if self.lang not in ("vi", "en"):
            raise ValueError("lang must be 'vi' or 'en'")
        for name in ("elements", "criteria", "perception", "expectations"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
