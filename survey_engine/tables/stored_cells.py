"""The table of cell sums kept in the database (:mod:`survey_engine.results.stored_cells`): a cache that
every server process shares and that outlives restarts, never data. A row may be deleted at any time; the
next request reads the wave again.
"""

from __future__ import annotations

from piccolo.columns import BigInt, Bytea, ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from survey_engine.tables.core import Wave


class StoredCellSet(Table, tablename="stored_cell_set"):
    """One set of a wave's cell sums (or its channel counts) for one questionnaire layout and set of
    domain columns, with the data version it was read at (unique per wave, ``criteria`` and ``columns``)."""

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    wave = ForeignKey(Wave, on_delete=OnDelete.cascade, index=True)
    criteria = Varchar(length=64)  # SHA-256 of the layout's criterion codes
    columns = Varchar(length=255)  # "cells" or "channels", then the grouped columns (one per line)
    version = Text()  # the data version read at (JSON)
    last_response = BigInt()  # its last response id: a set is never replaced by one read up to an earlier
    responses_up_to = BigInt()  # the wave's responses with an id up to the version's last, when read
    frame_units_up_to = BigInt()  # the wave's frame units with an id up to the version's last one
    read_at = Timestamptz()  # when the wave was last read whole for these sums
    payload = Bytea()


STORED_CELL_TABLES: tuple[type[Table], ...] = (StoredCellSet,)
