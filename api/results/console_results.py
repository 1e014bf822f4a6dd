"""Results dashboard: the SIPAS index of every agency (province view) and of one agency (agency view).

``GET /staff/results`` — admin, statistician, agency; choose a wave (default: the latest with responses)
and a series. Admins and statisticians see every agency's index as a dot-and-whisker chart with the
province mean; an agency user is taken to its own agency's page (the province chart names every agency).

``GET /staff/results/{wave}/{agency}`` — the agency's overall index and elements with intervals, the
trend over its earlier waves of the same questionnaire, the criterion table with "don't know" counts and
publication flags, the counter ratings (a separate self-selected series, never pooled), filters by the
domain columns the estimates service accepts (service point, channel, …) and the downloads. An agency user
may open only its own agency (any other answers the 404 page, as the API does).

``GET /staff/results/{wave}/microdata.csv`` and ``…/codebook.csv`` — the wave's export (what
``sipas export`` writes), for admins and statisticians.

Every number comes from the same code as the JSON API and the scorecards: ``survey_engine.results.analysis.
wave_results`` estimates (the estimates endpoint's numbers), and the scorecard builders of
``reports.build`` pick an agency's figures, the province mean, the peer gap and the wave-to-wave change.
Estimation runs in worker threads inside ``wave_results``; the contrasts and the charts are built in a
worker thread here, so a page never blocks the event loop with statistics.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import anyio.to_thread
from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Stream, Template
from piccolo.query.functions.aggregate import Count

from api.results import charts
from api.web.console_base import READERS, ROOT, Staff, dmy, page, redirect
from api.web.console_i18n import register, translator
from api.web.pages_common import PAGE_HEADERS
from reports.build import (
    DEFAULT_PUBLICATION,
    agency_indices,
    counter_panel,
    figure_from_estimate,
    peer_comparison,
    province_rows,
    trend_from,
)
from reports.numbers import (
    Language,
    format_count,
    format_interval,
    format_number,
    format_p_value,
    format_percent,
    format_signed,
    format_signed_interval,
)
from reports.scorecard import reason_text
from reports.scorecard_data import AgencyInfo, Contrast, Figure
from sampling.results import Estimate
from survey_engine import audit
from survey_engine.administration.agencies import AgencyService
from survey_engine.administration.waves import CHANNELS, WaveService
from survey_engine.answer_codes import criteria_layout
from survey_engine.errors import Conflict, InvalidInput, NotFound
from survey_engine.fieldwork.frames import DEMOGRAPHICS
from survey_engine.questionnaire import Questionnaire, load_definition
from survey_engine.results import analysis, scorecards
from survey_engine.results.agency_results import AgencyResults, page_results, wave_agencies
from survey_engine.results.estimates_cache import cached_wave_results
from survey_engine.results.export import CODEBOOK_COLUMNS, describe_wave, export_rows
from survey_engine.results.scorecards import AgencyRow, WaveHeader
from survey_engine.results.spreadsheet import csv_line
from survey_engine.tables import Agency, FrameUnit, Submission, Wave, WaveAgency, WaveServicePoint
from survey_engine.wave_context import WaveContext, load_wave

BASE = f"{ROOT}/results"
ANALYSTS = ("admin", "statistician")
SERIES = ("self-selected", "probability")
OVERALL = analysis.OVERALL
PRIVATE = {**PAGE_HEADERS, "Cache-Control": "private, no-store"}

WaveParam = Annotated[str | None, QueryParameter(max_length=48, description="wave code")]
SeriesParam = Annotated[str | None, QueryParameter(max_length=20, description="self-selected | probability")]
AgencyParam = Annotated[str | None, QueryParameter(max_length=64, description="agency code")]

register(
    {
        "res_title": ("Kết quả khảo sát", "Survey results"),
        "res_province_heading": ("Chỉ số SIPAS các cơ quan", "SIPAS index of every agency"),
        "res_choose": ("Chọn đợt khảo sát và chuỗi số liệu", "Choose a wave and a series"),
        "res_wave": ("Đợt khảo sát", "Survey wave"),
        "res_series": ("Chuỗi số liệu", "Series"),
        "res_show": ("Xem kết quả", "Show results"),
        "res_wave_option": ("{code} — {name} ({n} phiếu)", "{code} — {name} ({n} responses)"),
        "res_series_self-selected": (
            "Đánh giá tự nguyện (kiosk, mã QR, trực tuyến) — không phải mẫu xác suất",
            "Self-selected ratings (kiosk, QR, online) — not a probability sample",
        ),
        "res_series_probability": ("Mẫu xác suất (có gia quyền)", "Probability sample (weighted)"),
        "res_note_self-selected": (
            "Chuỗi đánh giá tự nguyện không phải là mẫu xác suất: người trả lời tự chọn tham gia, số liệu "
            "không gia quyền và không đại diện cho mọi người sử dụng dịch vụ. Khoảng tin cậy coi các phiếu "
            "tại cùng một điểm phục vụ trong cùng một ngày là một cụm.",
            "The self-selected series is not a probability sample: respondents chose to take part, the "
            "figures are unweighted and do not represent every service user. Intervals treat the responses "
            "at one service point on one day as a cluster.",
        ),
        "res_note_probability": (
            "Chuỗi mẫu xác suất: người trả lời được chọn ngẫu nhiên từ khung mẫu; số liệu có gia quyền theo "
            "thiết kế mẫu.",
            "Probability series: respondents were drawn at random from the frame; the figures are weighted "
            "by the sampling design.",
        ),
        "res_never_pooled": (
            "Hai chuỗi số liệu không bao giờ được gộp với nhau.",
            "The two series are never pooled.",
        ),
        "res_no_waves": (
            "Chưa có đợt khảo sát nào có Chỉ số SIPAS để hiển thị.",
            "There is no survey wave with a SIPAS index to show yet.",
        ),
        "res_no_responses": (
            "Đợt khảo sát này chưa có phiếu trả lời đầy đủ nào trong chuỗi số liệu đã chọn.",
            "This wave has no complete responses in the chosen series yet.",
        ),
        "res_no_weights": (
            "Đợt khảo sát này chưa có quyền số (chưa chọn mẫu hoặc chưa tính quyền số), nên chuỗi mẫu xác "
            "suất chưa có kết quả. Hãy xem chuỗi đánh giá tự nguyện.",
            "This wave has no weights yet (no sample drawn or no weights computed), so the probability "
            "series has no results. See the self-selected series.",
        ),
        "res_not_index": (
            "Bảng hỏi của đợt khảo sát này không tính Chỉ số SIPAS theo tỷ lệ hài lòng.",
            "The questionnaire of this wave has no SIPAS index scored as a satisfied share.",
        ),
        "res_chart_province": ("Chỉ số SIPAS theo cơ quan", "SIPAS index by agency"),
        "res_chart_province_desc": (
            "Chấm: Chỉ số SIPAS (%) của từng cơ quan, sắp xếp từ cao xuống thấp; vạch ngang: khoảng tin "
            "cậy 95 %; đường đứt: trung bình tỉnh. Các cơ quan không được công bố nằm cuối, có ghi lý do.",
            "Dots: each agency's SIPAS index (%), highest first; lines: 95% confidence intervals; dashed "
            "line: province mean. Agencies whose index is not published come last, with the reason.",
        ),
        "res_overlap": (
            "Các cơ quan được sắp xếp theo chỉ số, nhưng hai cơ quan có khoảng tin cậy chồng lấn nhau không "
            "khác biệt có ý nghĩa thống kê: thứ tự giữa chúng không phải là xếp hạng. Cột “So với trung bình "
            "tỉnh” dựa trên khoảng tin cậy của chênh lệch.",
            "Agencies are sorted by their index, but agencies whose intervals overlap are not significantly "
            "different: their order is not a ranking. The column “vs province mean” is based on the "
            "interval of the difference.",
        ),
        "res_axis": ("Chỉ số (%)", "Index (%)"),
        "res_province_mean": ("Trung bình tỉnh: {value}", "Province mean: {value}"),
        "res_province_mean_label": ("Trung bình tỉnh", "Province mean"),
        "res_figures": ("Số liệu của biểu đồ", "The chart's figures"),
        "res_col_agency": ("Cơ quan", "Agency"),
        "res_col_index": ("Chỉ số (%)", "Index (%)"),
        "res_col_interval": ("Khoảng tin cậy 95 %", "95% interval"),
        "res_col_n": ("Số phiếu (n)", "Responses (n)"),
        "res_col_vs_mean": ("So với trung bình tỉnh", "vs province mean"),
        "res_col_publication": ("Công bố", "Publication"),
        "res_col_element": ("Yếu tố", "Element"),
        "res_col_criterion": ("Tiêu chí", "Criterion"),
        "res_col_dont_know": ("Không biết / không áp dụng", "Don't know / not applicable"),
        "res_col_wave": ("Đợt khảo sát", "Wave"),
        "res_col_period": ("Thời gian", "Period"),
        "res_col_change": ("Thay đổi so với đợt trước", "Change since the previous wave"),
        "res_col_ratings": ("Số lượt đánh giá", "Ratings"),
        "res_col_very_satisfied": ("Rất hài lòng", "Very satisfied"),
        "res_col_satisfied": ("Hài lòng", "Satisfied"),
        "res_col_dissatisfied": ("Không hài lòng", "Dissatisfied"),
        "res_flag_ok": ("Công bố", "Published"),
        "res_flag_review": ("Cần thận trọng", "Use with caution"),
        "res_flag_suppress": ("Không công bố", "Suppressed"),
        "res_flag_none": ("Chưa có phiếu", "No responses"),
        "res_not_estimable": ("không ước lượng được", "not estimable"),
        "res_no_responses_reason": ("chưa có phiếu trả lời", "no responses yet"),
        "res_above": ("Cao hơn có ý nghĩa", "Significantly higher"),
        "res_below": ("Thấp hơn có ý nghĩa", "Significantly lower"),
        "res_not_different": ("Không khác biệt có ý nghĩa", "Not significantly different"),
        "res_up": ("Tăng có ý nghĩa thống kê", "Significant increase"),
        "res_down": ("Giảm có ý nghĩa thống kê", "Significant decrease"),
        "res_flat": ("Thay đổi không có ý nghĩa thống kê", "No significant change"),
        "res_points": ("{value} điểm", "{value} points"),
        "res_level_province": ("Cấp tỉnh", "Province"),
        "res_level_district": ("Cấp huyện", "District"),
        "res_level_commune": ("Cấp xã", "Commune"),
        "res_downloads": ("Tải xuống", "Downloads"),
        "res_dl_province_pdf": ("Báo cáo tổng hợp toàn tỉnh (PDF)", "Province summary (PDF)"),
        "res_dl_estimates_csv": ("Bảng ước lượng (CSV)", "Estimates (CSV)"),
        "res_dl_microdata": ("Dữ liệu phiếu trả lời (CSV)", "Response microdata (CSV)"),
        "res_dl_codebook": ("Từ điển biến của dữ liệu (CSV)", "Codebook of the microdata (CSV)"),
        "res_dl_scorecard": ("Phiếu điểm (PDF)", "Scorecard (PDF)"),
        "res_dl_scorecard_en": ("Phiếu điểm tiếng Anh (PDF)", "Scorecard in English (PDF)"),
        "res_dl_note": (
            "Phiếu điểm và báo cáo tổng hợp dùng chuỗi mẫu xác suất khi đợt khảo sát đã có quyền số, nếu "
            "không thì dùng chuỗi đánh giá tự nguyện (có ghi rõ). Bảng ước lượng theo chuỗi đang xem. Dữ "
            "liệu phiếu trả lời không chứa số điện thoại hay mã hồ sơ.",
            "Scorecards and the province summary use the probability series when the wave has weights, "
            "otherwise the self-selected series (labelled as such). The estimates follow the series shown. "
            "The microdata hold no phone numbers or dossier codes.",
        ),
        "res_counter_title": ("Đánh giá nhanh tại quầy — chuỗi riêng", "Counter ratings — a separate series"),
        "res_counter_note": (
            "Đánh giá 3 mức tại quầy, kiosk hoặc mã QR trong thời gian của đợt khảo sát. Người dân tự chọn "
            "tham gia, nên đây không phải mẫu xác suất; số liệu được trình bày riêng và không bao giờ gộp "
            "vào Chỉ số SIPAS.",
            "Three-level ratings at the counter, kiosk or QR code during the wave's period. Citizens chose "
            "to take part, so this is not a probability sample; the figures are shown apart and never "
            "pooled with the SIPAS index.",
        ),
        "res_counter_none": (
            "Không có lượt đánh giá tại quầy nào trong thời gian của đợt khảo sát.",
            "No counter ratings were given during the wave's period.",
        ),
        "res_counter_caption": ("Đánh giá tại quầy theo cơ quan", "Counter ratings by agency"),
        "res_agency_sub": ("Đợt khảo sát {wave}", "Wave {wave}"),
        "res_back_province": ("Tất cả cơ quan", "All agencies"),
        "res_overall": ("Chỉ số SIPAS", "SIPAS index"),
        "res_elements_chart": ("Chỉ số SIPAS và các yếu tố", "SIPAS index and its elements"),
        "res_elements_desc": (
            "Chấm: chỉ số (%) của toàn cơ quan (dòng đầu, in đậm) và của từng yếu tố; vạch ngang: khoảng "
            "tin cậy 95 %. Chấm rỗng và vạch đứt: cần thận trọng; không có chấm: không công bố.",
            "Dots: the overall index (%, first row, bold) and each element's; lines: 95% confidence "
            "intervals. Hollow dot and dashed line: use with caution; no dot: suppressed.",
        ),
        "res_criteria_title": ("Các tiêu chí", "Criteria"),
        "res_criteria_caption": (
            "Chỉ số từng tiêu chí, khoảng tin cậy, số phiếu, số câu “không biết” và quy tắc công bố",
            "Each criterion's index, interval, responses, “don't know” answers and publication verdict",
        ),
        "res_trend_title": ("Diễn biến qua các đợt khảo sát", "Trend over waves"),
        "res_trend_desc": (
            "Chỉ số SIPAS (%) của cơ quan qua các đợt khảo sát cùng bảng hỏi, từ cũ đến mới; vạch dọc: "
            "khoảng tin cậy 95 %.",
            "The agency's SIPAS index (%) in the waves with the same questionnaire, oldest first; vertical "
            "lines: 95% confidence intervals.",
        ),
        "res_trend_note": (
            "Diễn biến dùng chỉ số toàn cơ quan (không áp dụng bộ lọc) trong cùng chuỗi số liệu. Thay đổi "
            "được đánh giá bằng khoảng tin cậy của chênh lệch giữa hai mẫu độc lập, như trong phiếu điểm.",
            "The trend uses the whole agency's index (no filter) in the same series. A change is judged by "
            "the interval of the difference between two independent samples, as on the scorecard.",
        ),
        "res_trend_none": (
            "Chưa có đợt khảo sát trước với cùng bảng hỏi cho cơ quan này.",
            "There is no earlier wave with the same questionnaire for this agency.",
        ),
        "res_trend_missing": ("không có kết quả ở chuỗi này", "no results in this series"),
        "res_current_wave": ("{code} (đợt đang xem)", "{code} (this wave)"),
        "res_filters": ("Lọc kết quả của cơ quan", "Filter the agency's results"),
        "res_filter_service_point": ("Điểm phục vụ", "Service point"),
        "res_filter_channel": ("Kênh trả lời", "Channel"),
        "res_filter_field": ("Lĩnh vực", "Field"),
        "res_not_answered": ("Không trả lời", "Not answered"),
        "res_unknown_field": (
            "Không xác định (phiếu không gắn với hồ sơ trong khung mẫu)",
            "Unknown (responses not linked to a dossier of the frame)",
        ),
        "res_apply": ("Áp dụng", "Apply"),
        "res_clear": ("Bỏ lọc", "Clear filters"),
        "res_filtered": (
            "Đang lọc: {what}. Nhóm càng nhỏ thì khoảng tin cậy càng rộng và càng dễ không đủ điều kiện "
            "công bố.",
            "Filtered: {what}. The smaller the group, the wider the interval and the more likely it is "
            "suppressed.",
        ),
        "res_no_domain": (
            "Không có phiếu trả lời đầy đủ nào của cơ quan cho lựa chọn này.",
            "The agency has no complete responses for this selection.",
        ),
        "res_channel_online": ("Trực tuyến", "Online"),
        "res_channel_kiosk": ("Kiosk", "Kiosk"),
        "res_channel_phone": ("Điện thoại", "Phone"),
        "res_channel_paper": ("Phiếu giấy", "Paper"),
        "res_peer_title": ("So với các cơ quan cùng cấp", "Compared with agencies of the same level"),
        "res_peer_text": (
            "Trung bình của {m} cơ quan {level}: {mean} (khoảng tin cậy 95 %: {interval}). Chênh lệch của "
            "cơ quan: {diff} (khoảng tin cậy 95 %: {dinterval}) — {verdict}.",
            "Mean of the {m} agencies at {level} level: {mean} (95% interval {interval}). The agency's "
            "difference: {diff} (95% interval {dinterval}) — {verdict}.",
        ),
        "res_peer_filtered": (
            "So sánh với các cơ quan cùng cấp chỉ hiển thị khi không lọc.",
            "The comparison with agencies of the same level is shown without filters only.",
        ),
        "res_method": ("Cách tính", "How the figures are computed"),
        "res_legend_ok": ("Chấm đặc: được công bố", "Solid dot: published"),
        "res_legend_review": (
            "Chấm rỗng, vạch đứt: cần thận trọng",
            "Hollow dot, dashed line: use with caution",
        ),
        "res_legend_suppress": (
            "Không có chấm: không công bố (có ghi lý do)",
            "No dot: suppressed (reason given)",
        ),
        "res_rows": ("{n} phiếu trả lời đầy đủ trong chuỗi này", "{n} complete responses in this series"),
    }
)


# -- small helpers ------------------------------------------------------------------------------------


def language(lang: str) -> Language:
    return "en" if lang == "en" else "vi"


def _name(row: Mapping[str, Any], lang: str) -> str:
    if lang == "en" and row.get("name_en"):
        return str(row["name_en"])
    return str(row.get("name_vi") or row.get("code") or "")


def _title(row: AgencyRow | WaveHeader, lang: str) -> str:
    """:func:`_name` of an agency or wave of the results assembler."""
    return _name({"code": row.code, "name_vi": row.name_vi, "name_en": row.name_en}, lang)


def _series(value: str | None) -> str:
    return value if value in SERIES else "self-selected"


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def accepts(column: str) -> bool:
    """Whether ``wave_results`` (and so the estimates endpoint, which passes ``by`` through) accepts a
    domain column: a response column, a frame domain (``field``), ``frame:<demographic>`` or
    ``item:<CODE>``."""
    if column in analysis.DOMAIN_COLUMNS or column in analysis.FRAME_DOMAINS:
        return True
    if column.startswith(analysis.FRAME_PREFIX):
        return column[len(analysis.FRAME_PREFIX) :] in DEMOGRAPHICS
    return column.startswith(analysis.ITEM_PREFIX)


# -- filters ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterScope:
    """What a filter's option loader may look at: the wave (and its questionnaire), the agency, the
    series shown and the page language."""

    wave: str
    wave_id: int
    agency: str
    agency_id: int
    series: str
    lang: Language
    questionnaire: Questionnaire


@dataclass(frozen=True)
class FilterChoice:
    label: str
    options: list[tuple[str, str]]  # (domain value, text)


Options = Callable[[FilterScope], Awaitable[FilterChoice | None]]


async def _service_point_options(scope: FilterScope) -> FilterChoice | None:
    rows = await WaveServicePoint.select(
        WaveServicePoint.service_point.code.as_alias("code"),
        WaveServicePoint.service_point.name_vi.as_alias("name_vi"),
        WaveServicePoint.service_point.name_en.as_alias("name_en"),
    ).where(
        (WaveServicePoint.wave == scope.wave_id) & (WaveServicePoint.service_point.agency == scope.agency_id)
    )
    rows.sort(key=lambda r: str(r["code"]))
    options = [(str(r["code"]), _name(r, scope.lang)) for r in rows]
    return FilterChoice(translator(scope.lang)("res_filter_service_point"), options) if options else None


async def _channel_options(scope: FilterScope) -> FilterChoice | None:
    t = translator(scope.lang)
    row = await Wave.select(Wave.channels).where(Wave.id == scope.wave_id).output(load_json=True).first()
    channels = [str(c) for c in (row or {}).get("channels") or []]
    options = [(c, t(f"res_channel_{c}") if c in CHANNELS else c) for c in channels]
    return FilterChoice(t("res_filter_channel"), options) if options else None


async def _field_options(scope: FilterScope) -> FilterChoice | None:
    """The administrative fields (lĩnh vực) of the agency's dossiers in the wave's frame, and the domain
    of responses not linked to a frame dossier; nothing when the wave has no frame."""
    rows = (
        await FrameUnit.select(FrameUnit.field)
        .where((FrameUnit.wave == scope.wave_id) & (FrameUnit.agency == scope.agency_id))
        .distinct()
    )
    fields = sorted({str(r["field"]) for r in rows if r["field"]})
    if not fields:
        return None
    t = translator(scope.lang)
    return FilterChoice(
        t("res_filter_field"), [*((f, f) for f in fields), (analysis.UNKNOWN, t("res_unknown_field"))]
    )


def _item_options(code: str) -> Options:
    """A respondent characteristic asked on the form (a single-choice item, domain ``item:<CODE>``):
    its label and options in the page language, and "not answered"; nothing when the wave's
    questionnaire has no such item."""

    async def load(scope: FilterScope) -> FilterChoice | None:
        item = next((i for i in scope.questionnaire.items if i.code == code and i.type == "single"), None)
        if item is None or not item.options:
            return None
        english = scope.lang == "en"

        def text(labels: Any) -> str:
            return str(labels.en or labels.vi) if english else str(labels.vi)

        options = [(o.code, text(o.labels)) for o in item.options]
        options.append((analysis.UNKNOWN, translator(scope.lang)("res_not_answered")))
        return FilterChoice(text(item.labels), options)

    return load


@dataclass(frozen=True)
class DomainFilter:
    column: str  # the estimates service's domain column (``by``) and the query parameter of the page
    options: Options


# The agency page's filters, in display order. To offer another domain the estimates service accepts
# (see :func:`accepts`, e.g. ``frame:sex``), add one line here with a loader of its label and values; a
# filter whose column the service does not accept is left out, and a filter without values (a wave
# without a frame has no fields; another questionnaire has other item codes) is not shown.
FILTERS: tuple[DomainFilter, ...] = (
    DomainFilter("service_point", _service_point_options),
    DomainFilter("channel", _channel_options),
    DomainFilter("field", _field_options),
    # Sex and age band as the respondent gave them: SIPAS 2017 (D1, D2) and SIPAS 2023 (A1, A3).
    DomainFilter("item:D1", _item_options("D1")),
    DomainFilter("item:D2", _item_options("D2")),
    DomainFilter("item:A1", _item_options("A1")),
    DomainFilter("item:A3", _item_options("A3")),
)


def active_filters() -> list[DomainFilter]:
    return [f for f in FILTERS if accepts(f.column) and f.column != "agency"]


# -- waves --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WaveChoice:
    code: str
    name: str
    period_start: str
    period_end: str
    questionnaire: str
    responses: int
    channels: tuple[str, ...]


async def _response_counts(staff: Staff, wave_ids: list[int]) -> dict[int, int]:
    """Complete responses per wave; an agency user's counts cover its own agency only."""
    if not wave_ids:
        return {}
    where = [Submission.wave.is_in(wave_ids), Submission.complete == True]  # noqa: E712
    if staff.actor.agency_scoped:
        where.append(Submission.agency == staff.actor.agency_id)
    query = Submission.select(Submission.wave, Count(Submission.id, alias="count"))
    rows = await query.where(*where).group_by(Submission.wave)
    return {int(r["wave"]): int(r["count"]) for r in rows}


async def index_waves(staff: Staff) -> list[WaveChoice]:
    """Waves the staff member may see whose questionnaire has a SIPAS-style index (top-box shares), newest
    first; drafts (no responses yet) left out. Counter-rating waves are left out too: their ratings are a
    separate series, shown apart.

    Visibility is the waves service's rule (an agency user sees the waves that include its agency), read
    here in one query with the definitions instead of one listing plus members per wave.
    """
    query = Wave.select(
        Wave.id,
        Wave.code,
        Wave.name_vi,
        Wave.name_en,
        Wave.period_start,
        Wave.period_end,
        Wave.channels,
        Wave.questionnaire_version._.questionnaire.code.as_alias("questionnaire"),
        Wave.questionnaire_version.definition.as_alias("definition"),
    ).where(Wave.status != "draft")
    if staff.actor.agency_scoped:
        member = await WaveAgency.select(WaveAgency.wave).where(WaveAgency.agency == staff.actor.agency_id)
        query = query.where(Wave.id.is_in([int(r["wave"]) for r in member] or [-1]))
    rows = await query.output(load_json=True)
    counts = await _response_counts(staff, [int(r["id"]) for r in rows])
    choices = []
    for r in rows:
        definition = r["definition"]
        if not isinstance(definition, dict) or definition.get("instrument") == "counter":
            continue
        try:
            layout = criteria_layout(load_definition(definition))
        except (ValueError, KeyError, TypeError):
            continue
        if layout.rule != "top_box_share" or not layout.criteria:
            continue
        choices.append(
            WaveChoice(
                code=str(r["code"]),
                name=_name(r, staff.lang),
                period_start=str(r["period_start"])[:10],
                period_end=str(r["period_end"])[:10],
                questionnaire=str(r["questionnaire"]),
                responses=counts.get(int(r["id"]), 0),
                channels=tuple(str(c) for c in r["channels"] or ()),
            )
        )
    choices.sort(key=lambda w: (w.period_end, w.period_start, w.code), reverse=True)
    return choices


def default_wave(choices: Sequence[WaveChoice]) -> WaveChoice | None:
    """The latest wave with responses, else the latest wave."""
    for w in choices:
        if w.responses:
            return w
    return choices[0] if choices else None


def _chooser(staff: Staff, choices: Sequence[WaveChoice], chosen: str, series: str) -> dict[str, Any]:
    t = staff.t
    return {
        "waves": [
            (
                w.code,
                t(
                    "res_wave_option",
                    code=w.code,
                    name=w.name,
                    n=format_count(w.responses, language(staff.lang)),
                ),
            )
            for w in choices
        ],
        "wave": chosen,
        "series_options": [(s, t(f"res_series_{s}")) for s in SERIES],
        "series": series,
    }


# -- figures for templates ----------------------------------------------------------------------------


def _figure_view(figure: Figure, t: Callable[..., str], lang: Language) -> dict[str, Any]:
    """A figure as the page shows it: never a bare number when it is suppressed or flagged."""
    has_value = _finite(figure.estimate)
    if figure.flag == "suppress" or not has_value:
        if figure.flag == "suppress":
            reason = reason_text(figure.flag_reason or "", lang)
        elif figure.n:
            reason = t("res_not_estimable")
        else:
            reason = t("res_no_responses_reason")
        state, badge = (
            "suppress",
            ("bad", t("res_flag_suppress") if figure.n or figure.flag else t("res_flag_none")),
        )
        value, interval = "—", "—"
    else:
        state = "review" if figure.flag == "review" else "ok"
        reason = reason_text(figure.flag_reason or "", lang) if state == "review" else ""
        badge = ("warn", t("res_flag_review")) if state == "review" else ("ok", t("res_flag_ok"))
        value = format_number(figure.estimate, lang)
        interval = format_interval(figure.ci_low, figure.ci_high, lang)
    return {
        "state": state,
        "value": value,
        "interval": interval,
        "n": format_count(figure.n, lang) if figure.n is not None else "—",
        "badge": badge,
        "reason": reason,
        "estimate": figure.estimate,
    }


def _point(
    label: str, view: Mapping[str, Any], figure: Figure, t: Callable[..., str], strong: bool = False
) -> charts.Point:
    if view["state"] == "suppress":
        note = f"{view['badge'][1]}: {view['reason']}"
        return charts.Point(label, None, None, None, "suppress", "—", note, strong)
    note = t("res_flag_review") if view["state"] == "review" else ""
    return charts.Point(
        label, figure.estimate, figure.ci_low, figure.ci_high, view["state"], view["value"], note, strong
    )


def _contrast_view(
    c: Contrast | None, t: Callable[..., str], lang: Language, kind: str
) -> dict[str, Any] | None:
    """A difference with its interval, p-value and verdict (``kind`` "mean": higher/lower; "trend":
    increase/decrease)."""
    if c is None or not _finite(c.difference):
        return None
    verdict = c.verdict
    words = {
        "mean": {"above": "res_above", "below": "res_below", "not-different": "res_not_different"},
        "trend": {"above": "res_up", "below": "res_down", "not-different": "res_flat"},
    }[kind]
    badge = {"above": "ok", "below": "bad", "not-different": "info"}
    return {
        "difference": t("res_points", value=format_signed(c.difference, lang)),
        "interval": format_signed_interval(c.ci_low, c.ci_high, lang),
        "p": format_p_value(c.p_value, lang),
        "verdict": t(words[verdict]) if verdict else "",
        "badge": badge[verdict] if verdict else "info",
    }


def _tick(lang: Language) -> Callable[[float], str]:
    return lambda v: format_number(v, lang, 0)


# -- province view ------------------------------------------------------------------------------------


def build_province(
    result: Any, agencies: Sequence[AgencyRow], wave: str, series: str, lang: Language
) -> dict[str, Any]:
    """Province chart and table from one estimation (pure; runs in a worker thread)."""
    t = translator(lang)
    infos = [AgencyInfo(a.code, a.name_vi, a.name_en, a.level) for a in agencies]
    rows, mean = province_rows(result.groups, infos)
    items: list[dict[str, Any]] = []
    points: dict[str, charts.Point] = {}
    for row in rows:
        view = _figure_view(row.sipas, t, lang)
        name = row.agency.name_en if lang == "en" and row.agency.name_en else row.agency.name_vi
        items.append(
            {
                "code": row.agency.code,
                "name": name,
                "level": t(f"res_level_{row.agency.level}")
                if row.agency.level in _LEVELS
                else row.agency.level,
                "figure": view,
                "vs_mean": _contrast_view(row.vs_mean, t, lang, "mean"),
                "has_results": view["state"] != "suppress" or row.sipas.n is not None,
                "href": f"{BASE}/{quote(wave, safe='')}/{quote(row.agency.code, safe='')}?"
                + urlencode({"series": series}),
            }
        )
        points[row.agency.code] = _point(name, view, row.sipas, t)
    # Published and flagged-for-review agencies by their index, highest first; then suppressed ones, then
    # those without responses (each group by name): the order of overlapping intervals is not a ranking.
    items.sort(
        key=lambda i: (
            0 if i["figure"]["state"] != "suppress" else (1 if i["has_results"] else 2),
            -(i["figure"]["estimate"] or 0.0) if i["figure"]["state"] != "suppress" else 0.0,
            i["name"],
        )
    )
    mean_view = _figure_view(mean, t, lang) if mean is not None else None
    reference = None
    if mean is not None and mean_view and mean_view["state"] != "suppress":
        reference = (float(mean.estimate or 0.0), t("res_province_mean", value=mean_view["value"]))
    chart = charts.dot_whisker(
        [points[i["code"]] for i in items],
        chart_id="rs-province-chart",
        title=t("res_chart_province"),
        desc=t("res_chart_province_desc"),
        axis_label=t("res_axis"),
        tick_label=_tick(lang),
        reference=reference,
    )
    return {"agencies": items, "mean": mean_view, "chart": chart}


_LEVELS = ("province", "district", "commune")


async def _counter_rows(
    agencies: Sequence[AgencyRow], wave: WaveChoice, lang: Language
) -> list[dict[str, Any]]:
    """Counter ratings per agency in the wave's period (self-selected, a series of its own)."""
    start, end = date.fromisoformat(wave.period_start), date.fromisoformat(wave.period_end)
    found = await scorecards.counter_ratings_by_agency([a.code for a in agencies], start, end)
    out = []
    for a in agencies:
        panel = counter_panel(found.get(a.code, {}))
        if panel.n:
            out.append(_counter_view(_title(a, lang), panel, lang))
    return out


def _counter_view(name: str, panel: Any, lang: Language) -> dict[str, Any]:
    return {
        "name": name,
        "n": format_count(panel.n, lang),
        "very_satisfied": format_percent(panel.very_satisfied, lang),
        "satisfied": format_percent(panel.satisfied, lang),
        "dissatisfied": format_percent(panel.dissatisfied, lang),
    }


def _estimates_csv(wave: str, series: str, by: Sequence[str] = ("agency",)) -> str:
    columns = [c for c in by if accepts(c)] or ["agency"]
    query = urlencode([("format", "csv"), ("series", series), *[("by", c) for c in columns]])
    return f"/api/v1/waves/{quote(wave, safe='')}/estimates?{query}"


def _scorecard_url(wave: str, agency: str, lang: str) -> str:
    return f"/api/v1/waves/{quote(wave, safe='')}/scorecards/{quote(agency, safe='')}.pdf?lang={lang}"


def _series_note(staff: Staff, series: str) -> dict[str, str]:
    return {"label": staff.t(f"res_series_{series}"), "note": staff.t(f"res_note_{series}")}


async def _estimate(
    wave: str | WaveContext, by: Sequence[str], series: str
) -> tuple[analysis.WaveResults | None, str]:
    """``wave_results`` or the key of the message that explains why there is nothing to show."""
    try:
        results = await cached_wave_results(wave, tuple(by), series)
    except Conflict:
        return None, "res_no_weights" if series == "probability" else "res_no_responses"
    except InvalidInput:
        return None, "res_not_index"
    if results.result is None:
        return None, "res_no_responses"
    return results, ""


@get(BASE, include_in_schema=False, name="console_results")
async def results_home(
    staff: NamedDependency[Staff],
    wave: WaveParam = None,
    series: SeriesParam = None,
    agency: AgencyParam = None,
) -> Template | Redirect:
    staff.need(*READERS)
    chosen_series = _series(series)
    choices = await index_waves(staff)
    by_code = {w.code: w for w in choices}
    current = by_code.get(wave or "") or default_wave(choices)
    if wave and wave not in by_code:
        raise NotFound(f"no wave {wave} with results")
    own_agency = staff.actor.agency_code if staff.actor.agency_scoped else None
    target_agency = own_agency or agency
    if current is not None and target_agency:
        # An agency user only ever sees its own agency; anyone may jump from the chooser to an agency.
        return redirect(
            f"{BASE}/{quote(current.code, safe='')}/{quote(target_agency, safe='')}?"
            + urlencode({"series": chosen_series})
        )
    context: dict[str, Any] = {
        "title": staff.t("res_title"),
        "chooser": _chooser(staff, choices, current.code if current else "", chosen_series),
        "series_text": _series_note(staff, chosen_series),
        "wave": current,
        "notice": "",
        "view": None,
        "counters": [],
    }
    if current is None:
        context["notice"] = staff.t("res_no_waves")
        return page(staff, "results.html", context)
    results, problem = await _estimate(current.code, ("agency",), chosen_series)
    agencies = await wave_agencies(current.code)
    context["downloads"] = {
        "province_pdf": f"/api/v1/waves/{quote(current.code, safe='')}/province-summary.pdf?"
        + urlencode({"lang": staff.lang}),
        "estimates_csv": _estimates_csv(current.code, chosen_series),
        "microdata": f"{BASE}/{quote(current.code, safe='')}/microdata.csv" if staff.may(*ANALYSTS) else "",
        "codebook": f"{BASE}/{quote(current.code, safe='')}/codebook.csv" if staff.may(*ANALYSTS) else "",
    }
    context["counters"] = await _counter_rows(agencies, current, language(staff.lang))
    if results is None:
        context["notice"] = staff.t(problem)
        return page(staff, "results.html", context)
    context["rows"] = format_count(results.rows, language(staff.lang))
    context["view"] = await anyio.to_thread.run_sync(
        partial(build_province, results.result, agencies, current.code, chosen_series, language(staff.lang))
    )
    return page(staff, "results.html", context)


# -- agency view --------------------------------------------------------------------------------------


def build_agency(results: AgencyResults, lang: Language) -> dict[str, Any] | None:
    """The agency's figures, charts and tables (pure; runs in a worker thread). None: no responses in
    this domain."""
    t = translator(lang)
    layout = results.layout
    domain = results.domain

    def label(code: str) -> tuple[str, str]:
        labels = layout.labels.get(code, {})
        return str(labels.get("vi") or code), str(labels.get("en") or labels.get("vi") or code)

    element_labels = {code: label(code) for code, _ in layout.elements}
    criterion_labels = {c.code: label(c.code) for c in layout.criteria}
    element_of = {c.code: str(c.element) for c in layout.criteria if c.element}
    try:
        sipas, elements, criteria = agency_indices(
            results.result,
            domain,
            criterion_labels=criterion_labels,
            element_labels=element_labels,
            element_of=element_of,
            overall=OVERALL,
        )
    except KeyError:
        return None
    pick = 1 if lang == "en" else 0
    overall_view = _figure_view(sipas, t, lang)
    points = [_point(t("res_overall"), overall_view, sipas, t, strong=True)]
    element_views = []
    for e in elements:
        view = _figure_view(e.figure, t, lang)
        name = (e.label_vi, e.label_en)[pick] or e.label_vi
        element_views.append({"code": e.code, "name": name, "figure": view})
        points.append(_point(name, view, e.figure, t))
    chart = charts.dot_whisker(
        points,
        chart_id="rs-elements-chart",
        title=t("res_elements_chart"),
        desc=t("res_elements_desc"),
        axis_label=t("res_axis"),
        tick_label=_tick(lang),
    )
    groups: list[dict[str, Any]] = []
    for c in criteria:
        element = c.element or ""
        if not groups or groups[-1]["code"] != element:
            groups.append({"code": element, "name": element_labels.get(element, ("", ""))[pick], "rows": []})
        groups[-1]["rows"].append(
            {
                "code": c.code,
                "name": (c.label_vi, c.label_en)[pick] or c.label_vi,
                "figure": _figure_view(c.figure, t, lang),
                "dont_know": format_count(c.dont_know, lang),
            }
        )
    peer = None
    if results.peers is not None:
        level = results.agency.level
        comparison = peer_comparison(
            results.result.groups,
            {"agency": results.agency.code},
            [{"agency": p.code} for p in results.peers],
            level=level,
            names=results.peer_names,
        )
        if comparison is not None and overall_view["state"] != "suppress":
            mean_view = _figure_view(comparison.peer_mean, t, lang)
            gap = _contrast_view(comparison.gap, t, lang, "mean")
            if gap is not None and mean_view["state"] != "suppress":
                peer = t(
                    "res_peer_text",
                    m=comparison.agencies,
                    level=t(f"res_level_{level}").lower() if level in _LEVELS else level,
                    mean=mean_view["value"],
                    interval=mean_view["interval"],
                    diff=gap["difference"],
                    dinterval=gap["interval"],
                    verdict=gap["verdict"].lower(),
                )
    trend_rows = []
    trend_points = []
    previous: tuple[str, Estimate, str] | None = None  # the last usable wave: code, index, name
    for entry in results.trend:
        name = _title(entry.wave, lang)
        figure = figure_from_estimate(entry.estimate) if entry.estimate is not None else None
        if figure is None:
            view = {
                "state": "suppress",
                "value": "—",
                "interval": "—",
                "n": "—",
                "badge": ("bad", t("res_flag_suppress")),
                "reason": t("res_trend_missing"),
                "estimate": None,
            }
            point = charts.Point(entry.wave.code, None, None, None, "suppress", "—", t("res_trend_missing"))
        else:
            view = _figure_view(figure, t, lang)
            point = _point(entry.wave.code, view, figure, t, strong=entry.current)
        change = None
        estimate = entry.estimate if view["state"] != "suppress" else None
        if estimate is not None and previous is not None:
            trend = trend_from(
                estimate,
                previous[1],
                previous_wave_code=previous[0],
                previous_wave_name_vi=previous[2],
                previous_wave_name_en=previous[2],
            )
            change = _contrast_view(trend.change, t, lang, "trend")
        if estimate is not None:
            previous = (entry.wave.code, estimate, name)
        trend_rows.append(
            {
                "code": entry.wave.code,
                "name": name,
                "period": f"{dmy(entry.wave.period_start)} – {dmy(entry.wave.period_end)}",
                "current": entry.current,
                "figure": view,
                "change": change,
            }
        )
        trend_points.append(point)
    trend_chart = None
    if len(results.trend) > 1:
        trend_chart = charts.trend(
            trend_points,
            chart_id="rs-trend-chart",
            title=t("res_trend_title"),
            desc=t("res_trend_desc"),
            axis_label=t("res_axis"),
            tick_label=_tick(lang),
        )
    return {
        "overall": overall_view,
        "elements": element_views,
        "chart": chart,
        "criteria": groups,
        "peer": peer,
        "trend": trend_rows,
        "trend_chart": trend_chart,
        "aggregation": str(layout.rule_description.get("en" if lang == "en" else "vi", "")),
        "publication": DEFAULT_PUBLICATION[pick],
    }


@get(f"{BASE}/{{code:str}}/{{agency_code:str}}", include_in_schema=False, name="console_results_agency")
async def results_agency(
    staff: NamedDependency[Staff],
    code: FromPath[str],
    agency_code: FromPath[str],
    series: SeriesParam = None,
) -> Template:
    staff.need(*READERS)
    lang = language(staff.lang)
    # Another agency's officer gets "not found", as from the API (the agency service's visibility rule).
    agency: dict[str, Any] = dict(await AgencyService().get(staff.actor, agency_code))
    agency["id"] = await _agency_id(str(agency["code"]))
    wave: dict[str, Any] = await WaveService().get(staff.actor, code)  # 404 for a wave the user may not see
    agency_code = str(agency["code"])
    if agency_code not in (wave.get("agencies") or []):
        raise NotFound(f"agency {agency_code} is not part of wave {code}")
    chosen_series = _series(series)
    choices = await index_waves(staff)
    member_of = await _waves_of_agency(int(agency["id"]))
    current = next((w for w in choices if w.code == code), None)
    if current is None:
        raise NotFound(f"no results for wave {code}")
    loaded = await load_wave(code)  # this request's one look-up and parse of the wave
    scope = FilterScope(
        code, loaded.id, agency_code, int(agency["id"]), chosen_series, lang, loaded.questionnaire
    )
    filters = []
    chosen: dict[str, str] = {}
    for f in active_filters():
        choice = await f.options(scope)
        if choice is None:
            continue
        value = str(staff.query.get(f.column) or "")[:200]
        if value:
            chosen[f.column] = value
        filters.append(
            {
                "name": f.column,
                "id": "rs-f-" + "".join(ch if ch.isalnum() else "-" for ch in f.column),
                "label": choice.label,
                "options": [("", staff.t("all")), *choice.options],
                "value": value,
                "text": dict(choice.options).get(value, value),
            }
        )
    by = ("agency", *chosen)
    results, problem = await _estimate(loaded, by, chosen_series)
    name = _name(agency, lang)
    context: dict[str, Any] = {
        "title": f"{name} — {code}",
        "agency": {"code": agency_code, "name": name},
        "wave": current,
        "chooser": _chooser(staff, [w for w in choices if w.code in member_of], code, chosen_series),
        "series_text": _series_note(staff, chosen_series),
        "filters": filters,
        "filtered": ", ".join(f"{f['label']}: {f['text']}" for f in filters if f["value"]),
        "notice": "",
        "view": None,
        "province_href": None
        if staff.actor.agency_scoped
        else f"{BASE}?" + urlencode({"wave": code, "series": chosen_series}),
        "downloads": {
            "scorecard": _scorecard_url(code, agency_code, "vi"),
            "scorecard_en": _scorecard_url(code, agency_code, "en"),
            "estimates_csv": _estimates_csv(code, chosen_series, by),
            "microdata": f"{BASE}/{quote(code, safe='')}/microdata.csv" if staff.may(*ANALYSTS) else "",
            "codebook": f"{BASE}/{quote(code, safe='')}/codebook.csv" if staff.may(*ANALYSTS) else "",
        },
    }
    counts = await scorecards.counter_ratings(
        agency_code, date.fromisoformat(current.period_start), date.fromisoformat(current.period_end)
    )
    panel = counter_panel(counts)
    context["counter"] = _counter_view(name, panel, lang) if panel.n else None
    if results is None:
        context["notice"] = staff.t(problem)
        return page(staff, "results_agency.html", context)
    # The trend: this agency's overall index in earlier waves of the same questionnaire, same series.
    assembled = await page_results(
        loaded,
        AgencyRow(agency_code, str(agency["name_vi"]), str(agency["name_en"]), str(agency["level"])),
        int(agency["id"]),
        results,
        chosen,
        visible={w.code for w in choices},
        name_peers=not staff.actor.agency_scoped,
        counter=counts,
    )
    view = await anyio.to_thread.run_sync(partial(build_agency, assembled, lang))
    if view is None:
        context["notice"] = staff.t("res_no_domain")
    context["view"] = view
    return page(staff, "results_agency.html", context)


async def _agency_id(code: str) -> int:
    row = await Agency.select(Agency.id).where(Agency.code == code).first()
    if row is None:
        raise NotFound(f"no agency with code {code}")
    return int(row["id"])


async def _waves_of_agency(agency_id: int) -> set[str]:
    rows = await WaveAgency.select(WaveAgency.wave.code.as_alias("code")).where(
        WaveAgency.agency == agency_id
    )
    return {str(r["code"]) for r in rows}


# -- export -------------------------------------------------------------------------------------------


@get(f"{BASE}/{{code:str}}/microdata.csv", include_in_schema=False, name="console_results_microdata")
async def microdata(staff: NamedDependency[Staff], code: FromPath[str]) -> Stream:
    """The wave's responses as ``sipas export --format csv`` writes them, streamed in chunks."""
    staff.need(*ANALYSTS)
    await WaveService().get(staff.actor, code)
    export = await describe_wave(code)
    # microdata leaves the platform here: who took it is on record (the file itself holds no phone numbers)
    await audit.record(staff.actor, "download", "microdata", code, {"format": "csv"})

    async def lines() -> AsyncIterator[str]:
        yield csv_line(export.columns)
        batch: list[str] = []
        async for row in export_rows(export):
            batch.append(csv_line(row))
            if len(batch) >= 500:
                yield "".join(batch)
                batch = []
        if batch:
            yield "".join(batch)

    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in code)
    return Stream(
        lines(),
        media_type="text/csv",
        headers={**PRIVATE, "Content-Disposition": f'attachment; filename="microdata-{safe}.csv"'},
    )


@get(f"{BASE}/{{code:str}}/codebook.csv", include_in_schema=False, name="console_results_codebook")
async def codebook(staff: NamedDependency[Staff], code: FromPath[str]) -> Stream:
    """Labels (Vietnamese and English) of every column of the microdata."""
    staff.need(*ANALYSTS)
    await WaveService().get(staff.actor, code)
    export = await describe_wave(code)
    entries = export.codebook()

    async def lines() -> AsyncIterator[str]:
        yield csv_line(list(CODEBOOK_COLUMNS))
        yield "".join(csv_line(list(e.cells())) for e in entries)

    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in code)
    return Stream(
        lines(),
        media_type="text/csv",
        headers={**PRIVATE, "Content-Disposition": f'attachment; filename="microdata-{safe}.codebook.csv"'},
    )


HANDLERS: list[Any] = [results_home, results_agency, microdata, codebook]
