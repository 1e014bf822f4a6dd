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
    _bind_migration_tables(engine)
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


def _bind_migration_tables(engine: Engine[Any]) -> None:
    """Bind ``engine`` to the tables declared inside the migration files too (their raw-SQL handles).

    Piccolo imports each migration file once per process, by its bare module name, and a table caches the
    engine it first found; a second database migrated in the same process (the test suite's in-process CLI)
    would otherwise get its raw-SQL steps (indexes, data steps) run on the first database.
    """
    import importlib
    import sys
    from pathlib import Path

    from piccolo.table import Table

    import survey_engine.piccolo_migrations as package

    folder = str(Path(package.__file__).parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)  # where Piccolo's own loader imports them from
    for path in sorted(Path(folder).glob("*.py")):
        if path.name == "__init__.py":
            continue
        module = importlib.import_module(path.stem)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Table) and value is not Table:
                value._meta.db = engine
