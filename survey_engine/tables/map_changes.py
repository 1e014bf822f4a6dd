"""Tables of changes to the administrative map: which unit of one map version became which of a later one.

The map changed on 1 July 2025 (63 provinces into 34, the district level removed, communes merged). A
row says that a share of a predecessor unit's population went to a successor unit of a later version: a
merge is several predecessors with share 1 into one successor, a split one predecessor with shares into
several successors. The shares of one predecessor into one later version sum to 1 (checked on import).

Units alone cannot say which of a province's departments continues which: several agencies sit on one
province. An agency succession records it: a predecessor agency (on a unit of an older map version) is
continued by a successor agency (on a unit of a later one), with the share of the predecessor's population
the successor now serves.
"""

from __future__ import annotations

from piccolo.columns import DoublePrecision, ForeignKey, Serial, Timestamptz
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from survey_engine.tables.core import AdminUnit, Agency


class UnitSuccession(Table, tablename="unit_succession"):
    """A predecessor unit (older version) → a successor unit (later version), with the population share."""

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    predecessor = ForeignKey(AdminUnit, on_delete=OnDelete.restrict, index=True)
    successor = ForeignKey(AdminUnit, on_delete=OnDelete.restrict, index=True)
    population_share = DoublePrecision()  # of the predecessor's population, in (0, 1]
    imported_at = Timestamptz()


class AgencySuccession(Table, tablename="agency_succession"):
    """A predecessor agency (older map) → a successor agency (later map), with the population share; one row
    per pair (a unique index)."""

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    predecessor = ForeignKey(Agency, on_delete=OnDelete.restrict, index=True)
    successor = ForeignKey(Agency, on_delete=OnDelete.restrict, index=True)
    population_share = DoublePrecision()  # of the predecessor's population, in (0, 1]
    recorded_at = Timestamptz()


MAP_CHANGE_TABLES: tuple[type[Table], ...] = (UnitSuccession, AgencySuccession)
