"""Tables of the publication of results: a wave's releases (draft, approved, published), one row per version.

A release holds the frozen snapshot of what the public sees (canonical JSON text, so its SHA-256 can be
recomputed from the stored bytes) and who prepared, approved and published it. Published rows are never
changed again: a correction is a new row with the next version and a public changelog entry.
"""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from survey_engine.tables.core import Wave


class ResultRelease(Table, tablename="result_release"):
    """One version of a wave's published results (``status``: draft | approved | published)."""

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    wave = ForeignKey(Wave, on_delete=OnDelete.restrict, index=True)
    version = Integer()
    status = Varchar(length=16, default="draft")
    snapshot = Text()  # canonical JSON (sorted keys, no spaces): the bytes the hash is of
    snapshot_hash = Varchar(length=64)  # SHA-256 of the snapshot's UTF-8 bytes, hex
    data_version = Varchar(length=64)  # digest of the responses, weights and frame the numbers came from
    changelog_vi = Text(default="")  # what a correction changed (public); empty for a first version
    changelog_en = Text(default="")
    prepared_by = Integer(null=True, default=None)
    prepared_by_email = Varchar(length=254, default="")
    prepared_at = Timestamptz()
    approved_by = Integer(null=True, default=None)
    approved_by_email = Varchar(length=254, default="")
    approved_at = Timestamptz(null=True, default=None)
    published_by = Integer(null=True, default=None)
    published_by_email = Varchar(length=254, default="")
    published_at = Timestamptz(null=True, default=None)


PUBLICATION_TABLES: tuple[type[Table], ...] = (ResultRelease,)
