"""Paper questionnaires: print runs (batches handed to the post office), printed copies with their serials,
independent keyings of returned copies and uploaded scans (survey_engine/paper/).

A copy's serial is what a person keys or scans; it links the copy to its wave, agency, service point and,
for a drawn sample, its sampled unit (by the unit's dossier hash, as every other channel links a response).
Names and addresses printed on copies come from a file at print time and are never stored.
"""

from __future__ import annotations

from piccolo.columns import JSON, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from survey_engine.tables.core import Agency, SampleUnit, ServicePoint, StaffUser, Wave


class PaperBatch(Table, tablename="paper_batch"):
    """One print run of a wave, handed to the post office as one batch (``B001``… within the wave)."""

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    wave = ForeignKey(Wave, on_delete=OnDelete.restrict, index=True)
    code = Varchar(length=16)
    source = Varchar(length=8)  # point | sample
    service_point = ForeignKey(ServicePoint, null=True, on_delete=OnDelete.restrict)
    copies = Integer()
    created_at = Timestamptz()
    created_by = Integer(null=True, default=None)
    dispatched_at = Timestamptz(null=True, default=None)  # handed to the post office


class PaperCopy(Table, tablename="paper_copy"):
    """One printed questionnaire. ``status`` is its postal disposition; ``entry`` where its keying stands."""

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    serial = Varchar(length=16, unique=True, index=True)  # 11 digits, the last a Damm check digit
    wave = ForeignKey(Wave, on_delete=OnDelete.restrict, index=True)
    batch = ForeignKey(PaperBatch, on_delete=OnDelete.restrict, index=True)
    agency = ForeignKey(Agency, on_delete=OnDelete.restrict, index=True)
    service_point = ForeignKey(ServicePoint, on_delete=OnDelete.restrict)
    sample_unit = ForeignKey(SampleUnit, null=True, on_delete=OnDelete.restrict)
    dossier_hash = Varchar(length=64, null=True, default=None)
    status = Varchar(length=16, default="printed")  # printed | sent | returned | undeliverable | refused
    status_at = Timestamptz(null=True, default=None)
    entry = Varchar(length=16, default="none")  # none | keyed | reconcile | done
    final_keys = JSON(null=True, default=None)  # the keys that became the submission
    submission_client_id = Varchar(length=36, null=True, default=None)
    decided_by = Integer(null=True, default=None)  # the supervisor who reconciled, if one did
    created_at = Timestamptz()


class PaperKeying(Table, tablename="paper_keying"):
    """One person's keying of one copy: the keys as typed (normalised) per item, and when."""

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    copy = ForeignKey(PaperCopy, on_delete=OnDelete.cascade, index=True)
    keyer = ForeignKey(StaffUser, on_delete=OnDelete.restrict, index=True)
    keys = JSON()
    keyed_at = Timestamptz()


class PaperScan(Table, tablename="paper_scan"):
    """A scanned image of a returned copy (PNG or JPEG, size-limited), base64 text so both engines agree."""

    id: Serial  # Piccolo adds the primary key itself; declared for type checkers only

    copy = ForeignKey(PaperCopy, on_delete=OnDelete.cascade, index=True)
    content_type = Varchar(length=32)
    data = Text()
    uploaded_by = Integer(null=True, default=None)
    uploaded_at = Timestamptz()


PAPER_TABLES: tuple[type[Table], ...] = (PaperBatch, PaperCopy, PaperKeying, PaperScan)
