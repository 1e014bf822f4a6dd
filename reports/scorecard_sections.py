"""The sections of a scorecard, each built from :class:`~reports.scorecard_data.ScorecardData`: the
title band, the headline (index, trend, peers), the element chart, the criterion, perception and
expectation tables, the counter-ratings panel and the method note. ``reports.scorecard`` puts them in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing
from reportlab.platypus import Flowable, Table

from reports.charts import DOWN, UP, ChartRow, interval_chart, stacked_share_bar, triangle
from reports.fonts import SANS, SANS_BOLD
from reports.numbers import (
    DASH,
    Language,
    format_count,
    format_interval,
    format_number,
    format_p_value,
    format_percent,
    format_period,
    format_signed,
    format_signed_interval,
)
from reports.scorecard_data import Contrast, Figure, IndexScale, PeerComparison, ScorecardData, Trend
from reports.scorecard_layout import (
    COUNTER_BG,
    COUNTER_RULE,
    FRAME_WIDTH,
    SHARE_COLOURS,
    TABLE_BASE,
    cell_text,
    note_mark,
    page_band,
    paragraph,
    table_style,
)
from reports.scorecard_texts import DESCRIPTIVE, LEVEL_NAMES, SIGNIFICANT, TEXTS, Notes, localised
from reports.styles import PRIMARY_LIGHT, RULE

__all__ = [
    "agency_band",
    "counter_panel",
    "criterion_table",
    "element_chart",
    "expectation_table",
    "headline_table",
    "method_lines",
    "perception_table",
]


class _Mark(Flowable):  # type: ignore[misc]
    """A small ▲/▼ significance mark (drawn: Roboto has no triangle glyphs)."""

    def __init__(self, up: bool) -> None:
        super().__init__()
        self.up = up
        self.width = 10
        self.height = 9

    def draw(self) -> None:
        d = Drawing(10, 9, initialFontName=SANS, initialFontSize=8)
        d.add(triangle(5, 4.5, 8, self.up, UP if self.up else DOWN))
        d.drawOn(self.canv, 0, 0)


def index_value(x: float | None, index: IndexScale, lang: Language) -> str:
    """The overall index as printed: a percentage (SIPAS) or a score."""
    return format_percent(x, lang) if index.percent else format_number(x, lang)


def points_word(index: IndexScale, lang: Language) -> str:
    """The unit of a difference of the index: percentage points, or points of the rule's score."""
    return TEXTS["points" if index.percent else "score_points"][lang]


def headline_table(data: ScorecardData, notes: Notes, lang: Language) -> Table:
    t = TEXTS
    fig = data.sipas
    index = data.index
    note = notes.for_figure(fig)
    if fig.suppressed:
        value = f"{DASH}<font size=12>{note_mark(note)}</font>"
        status = f"{t['suppress'][lang]}{note_mark(note)}"
    else:
        value = escape(index_value(fig.estimate, index, lang))
        status = t["review"][lang] + note_mark(note) if fig.flag == "review" else t["publish"][lang]
    ci = format_interval(fig.ci_low, fig.ci_high, lang) if not fig.suppressed else DASH
    left = [
        paragraph(escape(localised(index, lang, "name")), "label"),
        paragraph(value, "big"),
        paragraph(f"{t['ci'][lang]}: {escape(ci)}", "body"),
        paragraph(f"{t['n'][lang]} = {format_count(fig.n, lang)}", "body"),
    ]
    if not index.percent:
        scale = format_interval(index.low, index.high, lang, 0)
        left.append(paragraph(f"{t['scale'][lang]}: {escape(scale)}", "body"))
    grade = localised(index, lang, "grade")
    if grade and not fig.suppressed:
        left.append(paragraph(f"<b>{t['grade'][lang]}: {escape(grade)}</b>", "body"))
    left.append(paragraph(escape(status), "small"))
    middle = _trend_cell(data.trend, data.sipas, notes, lang, index, data.trend_not_carried)
    right = _peer_cell(data.peer, data.sipas, notes, lang, index)
    widths = [FRAME_WIDTH * 0.32, FRAME_WIDTH * 0.34, FRAME_WIDTH * 0.34]
    table = Table([[left, middle, right]], colWidths=widths)
    table.setStyle(
        table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, 0), PRIMARY_LIGHT),
                ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                ("LINEBEFORE", (1, 0), (-1, -1), 0.6, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _verdict_line(change: Contrast, texts: dict[str, str], lang: Language) -> list[Flowable]:
    verdict = change.verdict
    if verdict is None:
        return [paragraph(escape(TEXTS["unknown_sig"][lang]), "small")]
    words = texts[verdict]
    if verdict == "not-different":
        return [paragraph(escape(words), "body")]
    mark_table = Table(
        [[_Mark(verdict == "above"), paragraph(f"<b>{escape(words)}</b>", "body")]],
        colWidths=[12, None],
    )
    mark_table.setStyle(
        table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (0, 0), 2),
                ("TOPPADDING", (1, 0), (1, 0), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [mark_table]


def _blocked(cell: list[Flowable], figures: Sequence[Figure], notes: Notes, lang: Language) -> bool:
    """A comparison involving a suppressed index is itself suppressed: ``—`` and the note of the cause."""
    for figure in figures:
        if figure.suppressed:
            note = notes.for_figure(figure)
            cell.append(paragraph(f"{DASH}{note_mark(note)}", "mid"))
            cell.append(paragraph(escape(TEXTS["not_compared"][lang]) + note_mark(note), "small"))
            return True
    return False


def _trend_cell(
    trend: Trend | None,
    sipas: Figure,
    notes: Notes,
    lang: Language,
    index: IndexScale,
    not_carried: tuple[str, str] | None = None,
) -> list[Flowable]:
    t = TEXTS
    cell: list[Flowable] = [paragraph(escape(t["trend"][lang]), "label")]
    if trend is None and not_carried is not None:
        version, reason = not_carried
        why = t.get(f"not_carried_{reason}", t["not_carried_not_published"])[lang]
        cell.append(paragraph(escape(t["not_carried"][lang].format(version=version, reason=why)), "small"))
        return cell
    if trend is None:
        cell.append(paragraph(escape(t["no_trend"][lang]), "small"))
        return cell
    if _blocked(cell, (sipas, trend.previous), notes, lang):
        return cell
    change = trend.change
    star = (DESCRIPTIVE if trend.descriptive else SIGNIFICANT) if change.verdict in ("above", "below") else ""
    cell.append(
        paragraph(
            f"{escape(format_signed(change.difference, lang))}{star} "
            f"<font size=9>{points_word(index, lang)}</font>",
            "mid",
        )
    )
    previous = trend.previous
    prev_value = DASH if previous.suppressed else index_value(previous.estimate, index, lang)
    name = localised(trend, lang, "previous_wave_name")
    cell.append(paragraph(f"{t['previous'][lang]} ({escape(name)}): {escape(prev_value)}", "body"))
    if trend.carried_from:
        cell.append(paragraph(escape(t["carried_from"][lang].format(version=trend.carried_from)), "small"))
    cell.append(
        paragraph(
            f"{t['ci'][lang]}: {escape(format_signed_interval(change.ci_low, change.ci_high, lang))}; "
            f"{escape(format_p_value(change.p_value, lang))}",
            "small",
        )
    )
    words = {"above": "up", "below": "down", "not-different": "flat"}
    suffix = "_descriptive" if trend.descriptive else ""
    cell.extend(_verdict_line(change, {k: t[w + suffix][lang] for k, w in words.items()}, lang))
    return cell


def _peer_cell(
    peer: PeerComparison | None, sipas: Figure, notes: Notes, lang: Language, index: IndexScale
) -> list[Flowable]:
    t = TEXTS
    cell: list[Flowable] = [paragraph(escape(t["peer"][lang]), "label")]
    if _blocked(cell, (sipas,) if peer is None else (sipas, peer.peer_mean), notes, lang):
        return cell
    if peer is None:
        cell.append(paragraph(escape(t["no_peer"][lang]), "small"))
        return cell
    level_name = LEVEL_NAMES.get(peer.level, {"vi": peer.level, "en": peer.level})[lang]
    gap = peer.gap
    star = (DESCRIPTIVE if peer.descriptive else SIGNIFICANT) if gap.verdict in ("above", "below") else ""
    cell.append(
        paragraph(
            f"{escape(format_signed(gap.difference, lang))}{star} "
            f"<font size=9>{points_word(index, lang)}</font>",
            "mid",
        )
    )
    mean = DASH if peer.peer_mean.suppressed else index_value(peer.peer_mean.estimate, index, lang)
    count = format_count(peer.agencies, lang)
    cell.append(paragraph(f"{t['peer_mean'][lang]} {count} {escape(level_name)}: {escape(mean)}", "body"))
    interval = escape(format_signed_interval(gap.ci_low, gap.ci_high, lang))
    cell.append(
        paragraph(
            f"{t['gap'][lang]} {t['ci'][lang]}: {interval}; {escape(format_p_value(gap.p_value, lang))}",
            "small",
        )
    )
    suffix = "_descriptive" if peer.descriptive else ""
    cell.extend(
        _verdict_line(gap, {k: t[k + suffix][lang] for k in ("above", "below", "not-different")}, lang)
    )
    if peer.best is not None and not peer.best.suppressed and peer.best_name_vi:
        name = peer.best_name_vi if lang == "vi" else (peer.best_name_en or peer.best_name_vi)
        cell.append(
            paragraph(
                f"{t['best'][lang]}: {escape(name)} {escape(index_value(peer.best.estimate, index, lang))} "
                f"({t['ci'][lang]} {escape(format_interval(peer.best.ci_low, peer.best.ci_high, lang))}). "
                f"{escape(t['no_rank'][lang])}",
                "small",
            )
        )
    return cell


def agency_band(data: ScorecardData, lang: Language) -> Table:
    t = TEXTS
    other: Language = "en" if lang == "vi" else "vi"
    wave = data.wave
    period = format_period(wave.period_start, wave.period_end, lang)
    province = data.province_name_vi if lang == "vi" else (data.province_name_en or data.province_name_vi)
    return page_band(
        province,
        localised(data.agency, lang, "name"),
        f"{t['wave'][lang]}: {localised(wave, lang, 'name')} ({wave.code}, {period}) · "
        f"{t['units'][lang]} {data.unit_version}",
        subtitle=localised(data.agency, other, "name"),
    )


def element_chart(data: ScorecardData, notes: Notes, lang: Language) -> Drawing:
    rows = []
    for element in data.elements:
        fig = element.figure
        note = notes.for_figure(fig)
        rows.append(
            ChartRow(
                label=localised(element, lang),
                estimate=None if fig.suppressed else fig.estimate,
                ci_low=fig.ci_low,
                ci_high=fig.ci_high,
                suppressed=fig.suppressed,
                review=fig.flag == "review",
                note=note,
            )
        )
    reference = None if data.sipas.suppressed else data.sipas.estimate
    prefix = data.index.short or localised(data.index, lang, "name")
    label = f"{prefix} {format_number(reference, lang)}" if reference is not None else None
    row_height = 22.0 if len(rows) <= 12 else 15.0
    return interval_chart(
        rows,
        FRAME_WIDTH,
        lang,
        label_width=FRAME_WIDTH * 0.38,
        row_height=row_height,
        reference=reference,
        reference_label=label,
        axis_max=data.index.high,
    )


def criterion_table(data: ScorecardData, notes: Notes, lang: Language) -> Table:
    t = TEXTS
    header = [
        t["col_criterion"][lang],
        t["col_index" if data.index.percent else "col_score"][lang],
        t["ci"][lang],
        "n",
        t["col_dk"][lang],
        t["col_note"][lang],
    ]
    rows: list[list[Any]] = [header]
    style = list(TABLE_BASE)
    elements = {e.code: e for e in data.elements}
    current: str | None = "\0"
    for criterion in data.criteria:
        if criterion.element != current and criterion.element in elements:
            element = elements[criterion.element]
            fig = element.figure
            note = notes.for_figure(fig)
            value = DASH if fig.suppressed else format_number(fig.estimate, lang)
            ci = DASH if fig.suppressed else format_interval(fig.ci_low, fig.ci_high, lang)
            rows.append(
                [
                    cell_text(localised(element, lang), FRAME_WIDTH - 235, bold=True),
                    value,
                    ci,
                    format_count(fig.n, lang),
                    "",
                    note_mark(note).strip(),
                ]
            )
            i = len(rows) - 1
            style += [
                ("BACKGROUND", (0, i), (-1, i), PRIMARY_LIGHT),
                ("FONTNAME", (1, i), (-1, i), SANS_BOLD),
            ]
        current = criterion.element
        fig = criterion.figure
        note = notes.for_figure(fig)
        value = DASH if fig.suppressed else format_number(fig.estimate, lang)
        ci = DASH if fig.suppressed else format_interval(fig.ci_low, fig.ci_high, lang)
        rows.append(
            [
                cell_text(localised(criterion, lang), FRAME_WIDTH - 235),
                value,
                ci,
                format_count(fig.n, lang),
                format_count(criterion.dont_know, lang),
                note_mark(note).strip(),
            ]
        )
    widths = [FRAME_WIDTH - 235, 48, 72, 38, 40, 37]
    style += [("ALIGN", (1, 0), (-1, -1), "RIGHT"), ("ALIGN", (5, 0), (5, -1), "CENTER")]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(table_style(style))
    return table


def perception_table(data: ScorecardData, notes: Notes, lang: Language) -> Table:
    t = TEXTS
    rows: list[list[Any]] = [
        [t["col_item"][lang], t["none"][lang], t["some"][lang], t["many"][lang], "n", ""]
    ]
    for item in data.perception:
        cells: list[Any] = [cell_text(localised(item, lang), FRAME_WIDTH - 270)]
        values: list[float | None] = []
        for option in item.options[:3]:
            fig = option.share
            note = notes.for_figure(fig)
            if fig.suppressed:
                cells.append(DASH + note_mark(note))
                values.append(None)
            else:
                cells.append(format_percent(fig.estimate, lang) + note_mark(note))
                values.append(fig.estimate)
        while len(cells) < 4:
            cells.append(DASH)
            values.append(None)
        cells.append(format_count(item.n, lang))
        cells.append(stacked_share_bar(values, SHARE_COLOURS, 70, 8))
        rows.append(cells)
    widths = [FRAME_WIDTH - 270, 50, 50, 50, 40, 80]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(table_style([*TABLE_BASE, ("ALIGN", (1, 0), (4, -1), "RIGHT")]))
    return table


def expectation_table(data: ScorecardData, notes: Notes, lang: Language) -> Table:
    t = TEXTS
    rows: list[list[Any]] = [[t["col_expectation"][lang], t["col_share"][lang], t["ci"][lang]]]
    for row in data.expectations:
        fig = row.share
        note = notes.for_figure(fig)
        value = (
            DASH + note_mark(note) if fig.suppressed else format_percent(fig.estimate, lang) + note_mark(note)
        )
        ci = DASH if fig.suppressed else format_interval(fig.ci_low, fig.ci_high, lang)
        rows.append([cell_text(localised(row, lang), FRAME_WIDTH - 140), value, ci])
    table = Table(rows, colWidths=[FRAME_WIDTH - 140, 60, 80], repeatRows=1)
    table.setStyle(table_style([*TABLE_BASE, ("ALIGN", (1, 0), (-1, -1), "RIGHT")]))
    return table


def counter_panel(data: ScorecardData, lang: Language) -> Table:
    t = TEXTS
    panel = data.counter
    inner: list[Any] = [
        paragraph(escape(t["counter"][lang]), "h2"),
        paragraph(
            escape(t["counter_warning" if data.index.percent else "counter_warning_scores"][lang]), "warn"
        ),
    ]
    if panel is None or panel.n == 0:
        inner.append(paragraph(escape(t["no_counter"][lang]), "small"))
    else:
        shares = (panel.very_satisfied, panel.satisfied, panel.dissatisfied)
        labels = (t["very_satisfied"][lang], t["satisfied"][lang], t["dissatisfied"][lang])
        line = " · ".join(
            f"{escape(label)}: {escape(format_percent(v, lang))}"
            for label, v in zip(labels, shares, strict=True)
        )
        inner.append(paragraph(f"{t['ratings'][lang]}: {format_count(panel.n, lang)} · {line}", "body"))
        inner.append(stacked_share_bar(shares, SHARE_COLOURS, FRAME_WIDTH - 24, 9))
    table = Table([[item] for item in inner], colWidths=[FRAME_WIDTH])
    table.setStyle(
        table_style(
            [
                ("BACKGROUND", (0, 0), (-1, -1), COUNTER_BG),
                ("BOX", (0, 0), (-1, -1), 1.2, COUNTER_RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 12),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (0, 0), 6),
                ("BOTTOMPADDING", (0, -1), (0, -1), 7),
            ]
        )
    )
    return table


def method_lines(data: ScorecardData, lang: Language) -> list[Flowable]:
    t = TEXTS
    m = data.method
    rate = format_percent(m.response_rate, lang) if m.response_rate is not None else t["unknown"][lang]
    lines = [
        (t["design"][lang], localised(m, lang, "design")),
        (t["sample_size"][lang], format_count(m.sample_size, lang)),
        (t["response_rate"][lang], rate),
        *([(t["channels"][lang], localised(m, lang, "channels"))] if localised(m, lang, "channels") else []),
        (t["weighting"][lang], localised(m, lang, "weighting")),
        (t["aggregation"][lang], localised(m, lang, "aggregation")),
        (t["publication"][lang], localised(m, lang, "publication")),
        (t["units"][lang].split(":")[0], f"{data.unit_version}"),
    ]
    return [paragraph(f"<b>{escape(k)}:</b> {escape(v)}", "small") for k, v in lines]
