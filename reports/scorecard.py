"""Agency scorecards: A4 PDF, two to four pages, in Vietnamese or English, rendered from frozen data.

Pure rendering: :class:`~reports.scorecard_data.ScorecardData` in, PDF bytes out. Every number is
formatted in the language's convention (``83,4 %`` / ``83.4%``); a suppressed number prints ``—`` with a
numbered note that says why; a comparison is called significant only from the interval of the difference,
never from overlapping intervals. ``invariant=True`` gives byte-identical output for identical input.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Spacer

from reports.fonts import register_fonts
from reports.numbers import Language
from reports.scorecard_data import ScorecardData
from reports.scorecard_drivers import drivers_section
from reports.scorecard_layout import draw_footer, paragraph, report_document
from reports.scorecard_sections import (
    agency_band,
    counter_panel,
    criterion_table,
    element_chart,
    expectation_table,
    headline_table,
    method_lines,
    perception_table,
)
from reports.scorecard_small_area import model_based_block
from reports.scorecard_texts import LEVEL_NAMES, TEXTS, Notes, localised, reason_text

# The words (scorecard_texts), the page layout (scorecard_layout) and the sections (scorecard_sections)
# live in their own modules; LEVEL_NAMES, TEXTS, Notes and reason_text stay importable from here, the
# scorecard's public face (the staff console imports reason_text from this module).
__all__ = ["LEVEL_NAMES", "TEXTS", "Notes", "reason_text", "render_scorecard", "scorecard_filename"]


def scorecard_filename(wave: str, agency: str, lang: Language) -> str:
    """``scorecard-{wave}-{agency}-{lang}.pdf`` (codes kept to safe characters)."""
    safe = re.compile(r"[^A-Za-z0-9_.-]+")
    return f"scorecard-{safe.sub('_', wave)}-{safe.sub('_', agency)}-{lang}.pdf"


def _page_decorations(data: ScorecardData, lang: Language) -> Callable[[Canvas, Any], None]:
    name = localised(data.agency, lang, "name")
    left = f"SIPAS · {name} · {data.wave.code}"
    page_word = TEXTS["page"][lang]

    def draw(canvas: Canvas, doc: Any) -> None:
        draw_footer(canvas, left, f"{page_word} {doc.page}")

    return draw


def _mark_legends(data: ScorecardData) -> list[str]:
    """The legends of the headline's marks: ``*`` for comparisons on a probability sample, ``†`` for those
    on a series that is not one (descriptive); the ``*`` legend also when there is no comparison."""
    descriptive = [c.descriptive for c in (data.trend, data.peer) if c is not None]
    legends = [] if descriptive and all(descriptive) else ["significant_mark"]
    return [*legends, "descriptive_mark"] if any(descriptive) or data.method.descriptive else legends


def scorecard_story(data: ScorecardData, lang: Language) -> list[Flowable]:
    """The flowables of one scorecard (for embedding in other documents)."""
    t = TEXTS
    notes = Notes(lang)
    story: list[Flowable] = [
        agency_band(data, lang),
        Spacer(1, 8),
        paragraph(escape(t["title" if data.index.percent else "title_scores"][lang]), "h1"),
        Spacer(1, 4),
    ]
    story.append(headline_table(data, notes, lang))
    for key in _mark_legends(data):
        story.append(paragraph(escape(t[key][lang]), "small"))
    if data.model_based is not None:
        story += [Spacer(1, 4), KeepTogether([model_based_block(data.model_based, lang)])]
    if data.elements:
        story.append(
            KeepTogether(
                [
                    paragraph(escape(t["elements"][lang]), "h1"),
                    Spacer(1, 2),
                    element_chart(data, notes, lang),
                    paragraph(
                        escape(t["chart_note" if data.index.percent else "chart_note_scores"][lang]), "small"
                    ),
                ]
            )
        )
    if data.perception:
        story.append(
            KeepTogether(
                [
                    paragraph(escape(t["perception"][lang]), "h1"),
                    Spacer(1, 3),
                    perception_table(data, notes, lang),
                ]
            )
        )
    if data.expectations:
        story.append(
            KeepTogether(
                [
                    paragraph(escape(t["expectations"][lang]), "h1"),
                    Spacer(1, 3),
                    expectation_table(data, notes, lang),
                ]
            )
        )
    story.append(PageBreak())
    story.append(paragraph(escape(t["criteria"][lang]), "h1"))
    story.append(Spacer(1, 3))
    story.append(criterion_table(data, notes, lang))
    story.append(paragraph(escape(t["dk_legend"][lang]), "small"))
    story.append(Spacer(1, 10))
    story.append(KeepTogether([counter_panel(data, lang)]))
    if data.drivers is not None:
        story.append(Spacer(1, 8))
        story.append(KeepTogether(drivers_section(data.drivers, lang)))
    method = [paragraph(escape(t["method"][lang]), "h1"), *method_lines(data, lang)]
    story.append(KeepTogether(method))
    if notes.items:
        block: list[Flowable] = [paragraph(escape(t["notes"][lang]), "h2")]
        block += [paragraph(f"({i}) {escape(text)}", "small") for i, text in enumerate(notes.items, 1)]
        story.append(Spacer(1, 6))
        story.append(KeepTogether(block))
    return story


def render_scorecard(data: ScorecardData, lang: Language | None = None, *, invariant: bool = False) -> bytes:
    """The scorecard as A4 PDF bytes (language ``lang``, default ``data.lang``)."""
    lang = lang or data.lang
    if lang not in ("vi", "en"):
        raise ValueError("lang must be 'vi' or 'en'")
    register_fonts()
    buffer = io.BytesIO()
    heading = TEXTS["title" if data.index.percent else "title_scores"][lang]
    title = f"{heading} — {localised(data.agency, lang, 'name')} — {data.wave.code}"
    doc = report_document(
        buffer, title, lang, invariant, subject=f"scorecard {data.wave.code} {data.agency.code} {lang}"
    )
    decorate = _page_decorations(data, lang)
    doc.build(scorecard_story(data, lang), onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def render_scorecards(
    items: Sequence[ScorecardData], lang: Language | None = None, *, invariant: bool = False
) -> list[bytes]:
    """Several scorecards, one PDF each (fonts and styles are shared within the process)."""
    return [render_scorecard(d, lang, invariant=invariant) for d in items]
