"""From the statistics layer to scorecards: pure conversions of ``sampling`` results into frozen report data.

No database: the caller (``survey_engine.results.scorecards``) loads the results and labels; these helpers
pick
one agency's estimates out of an :class:`~sampling.results.IndexResult`, compute the peer contrast from the
joint linearisation, and assemble a :class:`~reports.scorecard_data.ScorecardData`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from reports.method_words import DesignCodes, channels_text, design_text, weighting_text
from reports.numbers import Language
from reports.province import ProvinceRow
from reports.scorecard_data import (
    AgencyInfo,
    Contrast,
    CounterPanel,
    CriterionRow,
    ElementRow,
    Figure,
    IndexScale,
    MethodNote,
    PeerComparison,
    PerceptionItem,
    ScorecardData,
    ShareRow,
    Trend,
    WaveInfo,
)
from sampling.contrasts import Contrast as SamplingContrast
from sampling.contrasts import GapToMean, gaps_to_mean, linear_combination
from sampling.results import Estimate, EstimateSet, IndexResult

__all__ = [
    "DEFAULT_AGGREGATION",
    "DEFAULT_PUBLICATION",
    "SCORE_PUBLICATION",
    "DomainLookup",
    "Labels",
    "agency_indices",
    "contrast_from",
    "counter_panel",
    "figure_from_estimate",
    "independent_difference",
    "method_note",
    "peer_comparison",
    "peer_comparisons",
    "perception_item",
    "province_rows",
    "top_expectations",
    "trend_from",
]

Labels = Mapping[str, tuple[str, str]]  # code → (Vietnamese, English)

DEFAULT_AGGREGATION = (
    "Chỉ số tiêu chí = tỷ lệ có trọng số trả lời 4 hoặc 5 (hài lòng, rất hài lòng) trong số câu trả lời hợp "
    "lệ; “Không biết / Không áp dụng” không tính vào mẫu số và được đếm riêng. Chỉ số yếu tố = trung bình "
    "các tiêu chí của yếu tố; Chỉ số SIPAS = trung bình tất cả tiêu chí. Sai số chuẩn theo tuyến tính hoá "
    "đồng thời các tiêu chí.",
    "Criterion index = weighted share answering 4 or 5 (satisfied, very satisfied) among valid answers; "
    "“don't know / not applicable” is excluded from the denominator and counted. Element index = mean of "
    "its criteria; SIPAS index = mean of all criteria. Standard errors from the joint linearisation of the "
    "criteria.",
)
#: The publication rule of mean and total scores (sampling.publication "auto" → nchs3030).
SCORE_PUBLICATION = (
    "Quy tắc NCHS 30/30 cho điểm trung bình: không công bố khi cỡ mẫu < 30; cần thận trọng khi sai số chuẩn "
    "tương đối ≥ 30 %. Khoảng tin cậy 95 %; khoảng được tính trên thang logit của phạm vi điểm nên luôn nằm "
    "trong phạm vi đó.",
    "NCHS 30/30 rule for mean scores: suppressed when the sample size is < 30; flagged for review when the "
    "relative standard error is 30% or more. 95% confidence intervals, computed on the logit of the score's "
    "range, so they always stay within it.",
)

DEFAULT_PUBLICATION = (
    "Tiêu chuẩn NCHS 2017 cho tỷ lệ: không công bố khi cỡ mẫu hoặc cỡ mẫu hiệu dụng < 30, khi độ rộng "
    "khoảng tin cậy Korn–Graubard ≥ 30 điểm, hoặc độ rộng tương đối > 130 %; cần thận trọng khi bậc tự do "
    "< 8. Khoảng tin cậy 95 %; khoảng của các chỉ số tính trên thang logit nên luôn nằm trong 0–100.",
    "NCHS 2017 standard for proportions: suppressed when the sample size or effective sample size is < 30, "
    "the Korn–Graubard interval is 30 points wide or more, or its relative width exceeds 130%; flagged for "
    "review when degrees of freedom < 8. 95% confidence intervals; index intervals are computed on the logit "
    "scale, so they always stay within 0–100.",
)


def figure_from_estimate(e: Estimate) -> Figure:
    """The printed figure of an estimate (flag kept; non-finite values become missing)."""

    def finite(x: float | None) -> float | None:
        return float(x) if x is not None and math.isfinite(x) else None

    flag = e.flag if e.flag in ("review", "suppress") else None
    return Figure(
        estimate=finite(e.estimate),
        ci_low=finite(e.ci_low),
        ci_high=finite(e.ci_high),
        n=int(e.n),
        se=finite(e.se),
        flag=flag,  # type: ignore[arg-type]
        flag_reason=e.flag_reason if flag else None,
    )


def contrast_from(c: SamplingContrast | GapToMean) -> Contrast:
    """A ``sampling.contrasts.Contrast`` as report data (difference, interval, p-value)."""
    e = c.estimate
    return Contrast(
        difference=e.estimate,
        ci_low=e.ci_low,
        ci_high=e.ci_high,
        p_value=None if math.isnan(c.p_value) else c.p_value,
        level=e.level,
    )


def independent_difference(current: Estimate, previous: Estimate, level: float = 0.95) -> Contrast:
    """Difference of two estimates from independent samples (two waves): SE = √(se₁² + se₂²), normal test."""
    diff = current.estimate - previous.estimate
    se = math.hypot(current.se, previous.se)
    if not (math.isfinite(diff) and math.isfinite(se)) or se <= 0:
        return Contrast(diff if math.isfinite(diff) else None, None, None, None, level)
    z = _normal_quantile(0.5 + level / 2)
    p = math.erfc(abs(diff / se) / math.sqrt(2))
    return Contrast(diff, diff - z * se, diff + z * se, p, level)


def _normal_quantile(q: float) -> float:
    from scipy.special import ndtri

    return float(ndtri(q))


def _domain_matches(e: Estimate | object, domain: Mapping[str, str]) -> bool:
    return dict(getattr(e, "domain", {})) == dict(domain)


class DomainLookup:
    """An :class:`IndexResult`'s estimates and don't-know counts by domain, indexed once (a wave's
    scorecards pick every agency's rows out of one result: a scan per agency would cost agencies²)."""

    def __init__(self, result: IndexResult) -> None:
        self.groups: dict[_Key, dict[str, Estimate]] = {}
        self.criteria: dict[_Key, dict[str, Estimate]] = {}
        self.dont_know: dict[_Key, dict[str, int]] = {}
        for e in result.groups.estimates:
            self.groups.setdefault(_key(e.domain), {})[e.variable] = e
        for e in result.criteria.estimates:
            self.criteria.setdefault(_key(e.domain), {})[e.variable] = e
        for d in result.dont_know:
            self.dont_know.setdefault(_key(d.domain), {})[d.criterion] = d.count


_Key = tuple[tuple[str, str], ...]


def _key(domain: Mapping[str, str]) -> _Key:
    return tuple(sorted((str(k), str(v)) for k, v in dict(domain).items()))


def agency_indices(
    result: IndexResult,
    domain: Mapping[str, str],
    *,
    criterion_labels: Labels,
    element_labels: Labels,
    element_of: Mapping[str, str],
    overall: str = "SIPAS",
    lookup: DomainLookup | None = None,
) -> tuple[Figure, tuple[ElementRow, ...], tuple[CriterionRow, ...]]:
    """One domain's (agency's) overall index, element rows and criterion rows, in questionnaire order.

    ``element_labels`` lists the elements to show, in order; other groups (parts) are left out.
    ``lookup``: the result's :class:`DomainLookup` when several domains are picked out of it.
    """
    if lookup is None:
        groups = {e.variable: e for e in result.groups.estimates if _domain_matches(e, domain)}
        dk = {d.criterion: d.count for d in result.dont_know if _domain_matches(d, domain)}
        by_code = {e.variable: e for e in result.criteria.estimates if _domain_matches(e, domain)}
    else:
        key = _key(domain)
        groups = lookup.groups.get(key, {})
        dk = lookup.dont_know.get(key, {})
        by_code = lookup.criteria.get(key, {})
    if overall not in groups:
        raise KeyError(f"no {overall!r} index for domain {dict(domain)}")
    sipas = figure_from_estimate(groups[overall])
    elements = tuple(
        ElementRow(code, vi, en, figure_from_estimate(groups[code]))
        for code, (vi, en) in element_labels.items()
        if code in groups
    )
    criteria = tuple(
        CriterionRow(
            code=code,
            label_vi=vi,
            label_en=en,
            figure=figure_from_estimate(by_code[code]),
            dont_know=int(dk.get(code, 0)),
            element=element_of.get(code),
        )
        for code, (vi, en) in criterion_labels.items()
        if code in by_code
    )
    return sipas, elements, criteria


def peer_comparison(
    groups: EstimateSet,
    domain: Mapping[str, str],
    peer_domains: Sequence[Mapping[str, str]],
    *,
    level: str,
    variable: str = "SIPAS",
    names: Mapping[str, tuple[str, str]] | None = None,
    domain_key: str = "agency",
    descriptive: bool = False,
) -> PeerComparison | None:
    """This domain against the unweighted mean of ``peer_domains`` (its own included), from one design.

    The difference agency − peer mean is one linear combination of the domain indices, so its SE accounts
    for the agency being part of the mean and for domains sharing PSUs. Suppressed peers are left out of
    the mean. ``names`` (domain value → (vi, en)) lets the best performer be named, with its interval.
    """
    position = {
        tuple(sorted(dict(e.domain).items())): i
        for i, e in enumerate(groups.estimates)
        if e.variable == variable
    }
    me = position.get(tuple(sorted(dict(domain).items())))
    if me is None:
        return None
    peers = []
    for d in peer_domains:
        i = position.get(tuple(sorted(dict(d).items())))
        if (
            i is not None
            and groups.estimates[i].flag != "suppress"
            and math.isfinite(groups.estimates[i].estimate)
        ):
            peers.append(i)
    if me not in peers:
        peers.append(me)
    if len(peers) < 2:
        return None
    m = len(peers)
    mean_c = {i: 1.0 / m for i in peers}
    gap_c = {i: -1.0 / m for i in peers}
    gap_c[me] += 1.0
    mean = linear_combination(groups, mean_c, label=f"{variable} peer mean")
    gap = linear_combination(groups, gap_c, label=f"{variable} - peer mean")
    best_i = max(peers, key=lambda i: groups.estimates[i].estimate)
    best_e = groups.estimates[best_i]
    best_name = (names or {}).get(str(dict(best_e.domain).get(domain_key, "")))
    return PeerComparison(
        level=level,
        agencies=m,
        peer_mean=figure_from_estimate(mean.estimate),
        gap=contrast_from(gap),
        best_name_vi=best_name[0] if best_name else None,
        best_name_en=best_name[1] if best_name else None,
        best=figure_from_estimate(best_e) if best_name else None,
        descriptive=descriptive,
    )


def peer_comparisons(
    groups: EstimateSet,
    agencies: Sequence[tuple[str, str]],
    *,
    variable: str = "SIPAS",
    names: Mapping[str, tuple[str, str]] | None = None,
    domain_key: str = "agency",
    descriptive: bool = False,
) -> dict[str, PeerComparison | None]:
    """:func:`peer_comparison` of every agency, given as (code, level), against the agencies of its level,
    in one pass per level (the same figures; a wave's scorecards would otherwise cost agencies² work)."""
    position = {
        str(dict(e.domain).get(domain_key)): i
        for i, e in enumerate(groups.estimates)
        if e.variable == variable and set(dict(e.domain)) == {domain_key}
    }
    out: dict[str, PeerComparison | None] = {}
    levels: dict[str, list[str]] = {}
    for code, level in agencies:
        levels.setdefault(level, []).append(code)
    for level, codes in levels.items():
        members = [
            position[c]
            for c in codes
            if c in position
            and groups.estimates[position[c]].flag != "suppress"
            and math.isfinite(groups.estimates[position[c]].estimate)
        ]
        member_set = set(members)
        chosen = [c for c in codes if c in position and len(members) + (position[c] not in member_set) >= 2]
        for c in codes:
            out[c] = None
        if not chosen:
            continue
        found = gaps_to_mean(
            groups,
            members,
            [position[c] for c in chosen],
            label=f"{variable} - peer mean",
            mean_label=f"{variable} peer mean",
        )
        best_member = max(members, key=lambda i: groups.estimates[i].estimate) if members else None
        for c, gap in zip(chosen, found, strict=True):
            me = position[c]
            best_i = best_member
            if me not in member_set and (
                best_i is None or groups.estimates[me].estimate > groups.estimates[best_i].estimate
            ):
                best_i = me
            assert best_i is not None  # noqa: S101 - at least two peers
            best_e = groups.estimates[best_i]
            best_name = (names or {}).get(str(dict(best_e.domain).get(domain_key, "")))
            out[c] = PeerComparison(
                level=level,
                agencies=len(members) + (me not in member_set),
                peer_mean=figure_from_estimate(gap.mean),
                gap=contrast_from(gap),
                best_name_vi=best_name[0] if best_name else None,
                best_name_en=best_name[1] if best_name else None,
                best=figure_from_estimate(best_e) if best_name else None,
                descriptive=descriptive,
            )
    return out


def trend_from(
    current: Estimate,
    previous: Estimate,
    *,
    previous_wave_code: str,
    previous_wave_name_vi: str,
    previous_wave_name_en: str,
    descriptive: bool = False,
    carried_from: str | None = None,
) -> Trend:
    """The change since the previous wave (independent samples) with its significance; ``descriptive``
    when either wave's estimate is not from a probability sample; ``carried_from`` the map version the
    previous figure was computed on from predecessor units (None: the agency's own figure)."""
    return Trend(
        previous_wave_code=previous_wave_code,
        previous_wave_name_vi=previous_wave_name_vi,
        previous_wave_name_en=previous_wave_name_en,
        previous=figure_from_estimate(previous),
        change=independent_difference(current, previous, current.level),
        descriptive=descriptive,
        carried_from=carried_from,
    )


def perception_item(
    code: str, label_vi: str, label_en: str, options: Sequence[tuple[str, str, Estimate]]
) -> PerceptionItem:
    """A perception item from the share estimates (%, 0–100) of its three options (none, some, many)."""
    rows = tuple(ShareRow(vi, en, figure_from_estimate(e)) for vi, en, e in options)
    n = max((e.n for _, _, e in options), default=None)
    return PerceptionItem(code=code, label_vi=label_vi, label_en=label_en, options=rows, n=n)


def top_expectations(items: Sequence[tuple[str, str, Estimate]], k: int = 5) -> tuple[ShareRow, ...]:
    """The ``k`` expectations with the largest share (ties by label); suppressed shares go last."""

    def key(item: tuple[str, str, Estimate]) -> tuple[int, float, str]:
        vi, _, e = item
        shown = e.flag != "suppress" and math.isfinite(e.estimate)
        return (0 if shown else 1, -e.estimate if shown else 0.0, vi)

    chosen = sorted(items, key=key)[:k]
    return tuple(ShareRow(vi, en, figure_from_estimate(e)) for vi, en, e in chosen)


def counter_panel(counts: Mapping[int, int]) -> CounterPanel:
    """Counter ratings ``{3: very satisfied, 2: satisfied, 1: dissatisfied}`` (counts) as shares."""
    n = int(sum(counts.get(k, 0) for k in (1, 2, 3)))
    if n == 0:
        return CounterPanel(0, None, None, None)
    return CounterPanel(
        n=n,
        very_satisfied=100.0 * counts.get(3, 0) / n,
        satisfied=100.0 * counts.get(2, 0) / n,
        dissatisfied=100.0 * counts.get(1, 0) / n,
    )


@dataclass(frozen=True)
class _DesignText:
    vi: str
    en: str


def method_note(
    groups: EstimateSet,
    *,
    sample_size: int | None = None,
    response_rate: float | None = None,
    design: tuple[str, str] | DesignCodes | None = None,
    weighting: tuple[str, str] | str | None = None,
    aggregation: tuple[str, str] = DEFAULT_AGGREGATION,
    publication: tuple[str, str] = DEFAULT_PUBLICATION,
    channels: Mapping[str, int] | None = None,
    descriptive: bool = False,
) -> MethodNote:
    """The method note; the design text defaults to a description of the design summary.

    ``design`` and ``weighting`` are either words already chosen, (Vietnamese, English), or codes that
    :mod:`reports.method_words` words (a :class:`DesignCodes`, a weighting code). ``channels`` are the
    responses of the series per channel, as counted from the data; ``descriptive`` says the series is not
    a probability sample.
    """
    listed = channels_text(channels) if channels else ("", "")
    s = groups.design
    if design is not None and not isinstance(design, tuple):
        design = design_text(design)
    if isinstance(weighting, str):
        weighting = weighting_text(weighting)
    if design is None:
        design = (
            f"{s.strata} tầng, {s.psus} đơn vị mẫu bậc 1, {s.stages} giai đoạn; phương sai tuyến tính hoá "
            f"Taylor, bậc tự do {s.df}.",
            f"{s.strata} strata, {s.psus} primary sampling units, {s.stages} stage(s); Taylor-linearised "
            f"variance, {s.df} degrees of freedom.",
        )
    if weighting is None:
        if s.calibration:
            weighting = (
                f"Trọng số thiết kế, hiệu chỉnh ({s.calibration}).",
                f"Design weights, calibrated ({s.calibration}).",
            )
        elif s.weight:
            weighting = (f"Trọng số thiết kế (cột {s.weight}).", f"Design weights (column {s.weight}).")
        else:
            weighting = ("Không gia quyền (trọng số bằng nhau).", "Unweighted (equal weights).")
    return MethodNote(
        design_vi=design[0],
        design_en=design[1],
        sample_size=sample_size if sample_size is not None else s.rows,
        response_rate=response_rate,
        weighting_vi=weighting[0],
        weighting_en=weighting[1],
        aggregation_vi=aggregation[0],
        aggregation_en=aggregation[1],
        publication_vi=publication[0],
        publication_en=publication[1],
        channels_vi=listed[0],
        channels_en=listed[1],
        descriptive=descriptive,
    )


def scorecard_data(
    *,
    agency: AgencyInfo,
    province_name_vi: str,
    province_name_en: str,
    wave: WaveInfo,
    unit_version: str,
    result: IndexResult,
    criterion_labels: Labels,
    element_labels: Labels,
    element_of: Mapping[str, str],
    method: MethodNote,
    domain_key: str = "agency",
    trend: Trend | None = None,
    peer: PeerComparison | None = None,
    perception: Sequence[PerceptionItem] = (),
    expectations: Sequence[ShareRow] = (),
    counter: CounterPanel | None = None,
    lang: Language = "vi",
    index: IndexScale | None = None,
    lookup: DomainLookup | None = None,
) -> ScorecardData:
    """Assemble one agency's scorecard from an ``IndexResult`` by agency and the already-built panels;
    ``index`` says how the overall index reads (default: the SIPAS share, in %); ``lookup`` the result's
    :class:`DomainLookup` when every agency's scorecard is built from it."""
    sipas, elements, criteria = agency_indices(
        result,
        {domain_key: agency.code},
        criterion_labels=criterion_labels,
        element_labels=element_labels,
        element_of=element_of,
        lookup=lookup,
    )
    return ScorecardData(
        agency=agency,
        province_name_vi=province_name_vi,
        province_name_en=province_name_en,
        wave=wave,
        unit_version=unit_version,
        sipas=sipas,
        elements=elements,
        criteria=criteria,
        method=method,
        trend=trend,
        peer=peer,
        perception=tuple(perception),
        expectations=tuple(expectations),
        counter=counter,
        lang=lang,
        index=index or IndexScale(),
    )


def example_wave() -> WaveInfo:
    """A fixed wave for examples, tests and benchmarks."""
    return WaveInfo(
        "AB-2026", "Khảo sát SIPAS năm 2026", "SIPAS survey 2026", date(2026, 1, 1), date(2026, 12, 31)
    )


def province_rows(
    groups: EstimateSet,
    agencies: Sequence[AgencyInfo],
    *,
    variable: str = "SIPAS",
    domain_key: str = "agency",
) -> tuple[tuple[ProvinceRow, ...], Figure | None]:
    """Every agency's index with its difference to the province mean (unweighted mean of the published
    agency indices, from the joint linearisation), and that mean."""
    position = {
        str(dict(e.domain).get(domain_key)): i
        for i, e in enumerate(groups.estimates)
        if e.variable == variable and set(dict(e.domain)) == {domain_key}
    }
    published = [
        position[a.code]
        for a in agencies
        if a.code in position
        and groups.estimates[position[a.code]].flag != "suppress"
        and math.isfinite(groups.estimates[position[a.code]].estimate)
    ]
    m = len(published)
    mean: Figure | None = None
    gaps: dict[int, Contrast] = {}
    if m >= 2:
        found = gaps_to_mean(
            groups, published, published, label=f"{variable} - mean", mean_label=f"{variable} mean"
        )
        mean = figure_from_estimate(found[0].mean)
        gaps = {i: contrast_from(g) for i, g in zip(published, found, strict=True)}
    rows = []
    for agency in agencies:
        i = position.get(agency.code)
        if i is None:
            rows.append(ProvinceRow(agency, Figure(None)))
            continue
        rows.append(ProvinceRow(agency, figure_from_estimate(groups.estimates[i]), gaps.get(i)))
    return tuple(rows), mean
