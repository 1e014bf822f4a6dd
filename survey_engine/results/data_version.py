"""What changes when a self-selected series' stored data change (its data version), and when a new version
may differ from a kept one only by appended responses. Read by :mod:`.series_cells` (which reads versions
from the database) and :mod:`.stored_cells` (which stores them with cell sums)."""

from __future__ import annotations

from typing import Any, NamedTuple

__all__ = ["DataVersion", "appended_only"]


class DataVersion(NamedTuple):
    """What changes when a series' data change (:func:`.series_cells._data_version`)."""

    database: str
    created: Any
    updated: Any
    last_response: int | None
    recent_responses: int
    uncoded: int
    last_frame_unit: int | None
    excluded: str


def appended_only(old: DataVersion, new: DataVersion, frame: bool) -> bool:
    """Whether ``new`` may differ from ``old`` only by responses appended after ``old``'s last one: the same
    wave, uncoded count and weighted dossiers, a later last response and, when the values read join the
    frame (``frame``), the same last frame unit (a new frame unit may give older responses a field).
    Responses committed late among ``old``'s ids are checked apart: by the window of recent ids for sums
    kept in memory (``series_cells._no_late_rows``), by the stored counts for stored ones
    (:mod:`.stored_cells`)."""
    return (
        old.last_response is not None
        and new.last_response is not None
        and new.last_response > old.last_response
        and (old.database, old.created, old.updated, old.uncoded, old.excluded)
        == (new.database, new.created, new.updated, new.uncoded, new.excluded)
        and (not frame or old.last_frame_unit == new.last_frame_unit)
    )
