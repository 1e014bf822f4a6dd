"""Piccolo tables: the platform's data model, one module per subject.

``core`` holds the tables every subject builds on. A new subject declares its tables in its own module
here (``survey_engine/tables/<subject>.py``), importing what it refers to from ``survey_engine.tables.core``
(never from this package, which would make an import loop), and adds them to ``ALL_TABLES`` below.
Only ``survey_engine`` imports these modules (an import-linter contract), and migrations are additive.
"""

from __future__ import annotations

from piccolo.table import Table

from survey_engine.tables.core import (
    CORE_TABLES,
    AdminUnit,
    Agency,
    ApiToken,
    AuditLog,
    CallAttempt,
    Contact,
    Frame,
    FrameUnit,
    KioskDevice,
    Province,
    Questionnaire,
    QuestionnaireVersion,
    Sample,
    SampleUnit,
    ServicePoint,
    StaffUser,
    Submission,
    SubmissionRate,
    Wave,
    WaveAgency,
    WaveServicePoint,
    WeightRun,
)
from survey_engine.tables.integrations import INTEGRATION_TABLES, ApiKey, Officer
from survey_engine.tables.map_changes import MAP_CHANGE_TABLES, AgencySuccession, UnitSuccession
from survey_engine.tables.paper import PAPER_TABLES, PaperBatch, PaperCopy, PaperKeying, PaperScan
from survey_engine.tables.publication import PUBLICATION_TABLES, ResultRelease
from survey_engine.tables.stored_cells import STORED_CELL_TABLES, StoredCellSet
from survey_engine.tables.webhooks import (
    WEBHOOK_TABLES,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)

# Every table, in the order a fresh database creates them (a table after those it refers to).
ALL_TABLES: tuple[type[Table], ...] = (
    *CORE_TABLES,
    *WEBHOOK_TABLES,
    *PAPER_TABLES,
    *INTEGRATION_TABLES,
    *PUBLICATION_TABLES,
    *MAP_CHANGE_TABLES,
    *STORED_CELL_TABLES,
)

__all__ = [
    "ALL_TABLES",
    "AdminUnit",
    "Agency",
    "AgencySuccession",
    "ApiKey",
    "ApiToken",
    "AuditLog",
    "CallAttempt",
    "Contact",
    "Frame",
    "FrameUnit",
    "KioskDevice",
    "Officer",
    "PaperBatch",
    "PaperCopy",
    "PaperKeying",
    "PaperScan",
    "Province",
    "Questionnaire",
    "QuestionnaireVersion",
    "ResultRelease",
    "Sample",
    "SampleUnit",
    "ServicePoint",
    "StaffUser",
    "StoredCellSet",
    "Submission",
    "SubmissionRate",
    "UnitSuccession",
    "Wave",
    "WaveAgency",
    "WaveServicePoint",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSubscription",
    "WeightRun",
]
