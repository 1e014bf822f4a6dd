"""The paper room's one service: print runs, dispatch and returns, data entry and reconciliation."""

from __future__ import annotations

from survey_engine.paper.copies import PrintRuns
from survey_engine.paper.entry import PaperEntryService
from survey_engine.paper.tracking import Tracking


class PaperService(PrintRuns, Tracking, PaperEntryService):
    """Everything the paper routes, console pages and CLI call (see the modules of this package)."""
