"""Apply Piccolo migrations to the bound engine (SQLite or PostgreSQL), then the data steps that follow
them (answer codes of responses stored before the ``codes`` column existed)."""

from __future__ import annotations

import contextlib
import io
import os
from typing import Any

from piccolo.engine.base import Engine

from api.database import prepare_sqlite_file, use_engine


class MigrationFailed(RuntimeError):
    pass


async def migrate(engine: Engine[Any]) -> str:
    """Run every pending migration and backfill missing answer codes; returns Piccolo's report (and the
    number of responses given codes, if any). Safe to repeat.

    The backfill lives here, not in the estimates: a GET never writes, so the data a read needs must be
    complete once the database is migrated (``sipas db migrate``; every CLI command migrates first).
    """
    # Piccolo finds the app registry through PICCOLO_CONF; ours re-points DB at ``engine``.
    os.environ.setdefault("PICCOLO_CONF", "api.piccolo_conf")
    from piccolo.apps.migrations.commands.forwards import ForwardsMigrationManager

    import api.piccolo_conf  # noqa: F401  (registers the app registry before the engine is bound)

    prepare_sqlite_file(engine)
    use_engine(engine)
    report = io.StringIO()
    with contextlib.redirect_stdout(report):
        result = await ForwardsMigrationManager(app_name="survey_engine").run()
    if not result.success:
        raise MigrationFailed(f"migration failed: {result.message}")
    from survey_engine.results.code_backfill import backfill_answer_codes

    coded = await backfill_answer_codes()
    if coded:
        report.write(f"answer codes written for {coded} older responses\n")
    return report.getvalue()
