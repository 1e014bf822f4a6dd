"""The agency page's filters: the domain columns of the estimates (service point, channel, field, the
respondent's sex and age band) offered as choices, each with a loader of its label and values."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from api.web.i18n import translator
from reports.numbers import Language
from survey_engine.administration.waves import CHANNELS
from survey_engine.fieldwork.frames import DEMOGRAPHICS
from survey_engine.questionnaire import Questionnaire
from survey_engine.results import analysis, catalogue


def accepts(column: str) -> bool:
    """Whether ``wave_results`` (and so the estimates endpoint, which passes ``by`` through) accepts a
    domain column: a response column, a frame domain (``field``), ``frame:<demographic>`` or
    ``item:<CODE>``."""
    if column in analysis.DOMAIN_COLUMNS or column in analysis.FRAME_DOMAINS:
        return True
    if column.startswith(analysis.FRAME_PREFIX):
        return column[len(analysis.FRAME_PREFIX) :] in DEMOGRAPHICS
    return column.startswith(analysis.ITEM_PREFIX)


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
    channels: tuple[str, ...]


@dataclass(frozen=True)
class FilterChoice:
    label: str
    options: list[tuple[str, str]]  # (domain value, text)


Options = Callable[[FilterScope], Awaitable[FilterChoice | None]]


async def _service_point_options(scope: FilterScope) -> FilterChoice | None:
    points = await catalogue.wave_service_points(scope.wave_id, scope.agency_id)
    options = [(p.code, _name(p, scope.lang)) for p in points]
    return FilterChoice(translator(scope.lang)("res_filter_service_point"), options) if options else None


async def _channel_options(scope: FilterScope) -> FilterChoice | None:
    t = translator(scope.lang)
    options = [(c, t(f"res_channel_{c}") if c in CHANNELS else c) for c in scope.channels]
    return FilterChoice(t("res_filter_channel"), options) if options else None


async def _field_options(scope: FilterScope) -> FilterChoice | None:
    """The administrative fields (lĩnh vực) of the agency's dossiers in the wave's frame, and the domain
    of responses not linked to a frame dossier; nothing when the wave has no frame."""
    fields = await catalogue.frame_fields(scope.wave_id, scope.agency_id)
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


def _name(point: catalogue.NamedCode, lang: str) -> str:
    if lang == "en" and point.name_en:
        return point.name_en
    return point.name_vi or point.code
