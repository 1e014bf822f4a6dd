"""A print run as a PDF: the survey engine's run turned into the renderer's plain data."""

from __future__ import annotations

import dataclasses

from reports.paper_form import FormCopy, FormHeading, layout_from_mapping, render_paper_forms
from survey_engine.paper.copies import PrintRun


def run_pdf(run: PrintRun, invariant: bool = False) -> bytes:
    """Every copy of the run, one after the other, in one A4 PDF."""
    heading = FormHeading(
        wave=run.wave_name_vi,
        service_point=run.service_point_name_vi if run.source == "point" else "",
        return_to=run.agency_name_vi if run.source == "point" else "cơ quan ghi ở đầu phiếu",
        deadline=run.period_end.strftime("%d/%m/%Y"),
    )
    return render_paper_forms(
        layout_from_mapping(dataclasses.asdict(run.layout)),
        heading,
        [FormCopy(c.serial, c.agency_name_vi, list(c.address)) for c in run.copies],
        invariant=invariant,
    )


def run_filename(run: PrintRun) -> str:
    return f"phieu-{run.wave}-{run.batch}.pdf"
