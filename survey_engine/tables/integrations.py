"""Tables of the one-stop integration: system API keys and the agencies' officer registers.

Counter ratings sent by a one-stop system are stored as submissions (one validator and one table serve
every channel); the officer a rating names is kept in ``submission.officer`` as the one-stop system's code.
"""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from survey_engine.tables.core import Agency, Province


class ApiKey(Table, tablename="api_key"):
    """A key a named system (a province's one-stop system) presents as ``Authorization: Bearer sk_…``.

    Only the SHA-256 of the (256-bit random) key is stored; ``prefix`` (its first characters) tells keys
    apart in lists. ``agency`` is the one agency it may send ratings for; None: the whole province.
    """

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    name = Varchar(length=100)
    prefix = Varchar(length=16)
    key_hash = Varchar(length=64, unique=True, index=True)
    agency = ForeignKey(Agency, on_delete=OnDelete.restrict, null=True, default=None)
    created_at = Timestamptz()
    created_by = Integer(null=True, default=None)
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    # The tenant of a province key (and of an agency key: its agency's). Keys made before tenancy were
    # given theirs by a data step (migration 2026-12-07T06:30:00); None is left only in a database
    # without provinces.
    province = ForeignKey(Province, on_delete=OnDelete.restrict, null=True, default=None)


class Officer(Table, tablename="officer"):
    """An officer of one agency, keyed by the code the one-stop system uses (unique per agency, by a
    raw-SQL index). Names are shown to that agency's own staff only."""

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    agency = ForeignKey(Agency, on_delete=OnDelete.restrict, index=True)
    code = Varchar(length=64)
    name = Varchar(length=200)
    active = Boolean(default=True)


INTEGRATION_TABLES: tuple[type[Table], ...] = (ApiKey, Officer)
