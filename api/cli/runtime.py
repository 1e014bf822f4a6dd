"""What every CLI command that touches the database needs: settings from the environment and a migrated
engine to run one job on."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from api.cli.errors import CliFailure, CliUsageError
from api.settings import Settings, SettingsError

T = TypeVar("T")


def settings_from_env() -> Settings:
    """The settings from the environment; a bad setting is a usage error (exit 2, one line)."""
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise CliUsageError(str(exc)) from exc


def run_with_engine(settings: Settings, job: Callable[[Any], Awaitable[T]]) -> T:
    """Run ``job(engine)`` on a migrated database engine from ``settings``, in a fresh event loop."""
    from piccolo.engine.postgres import PostgresEngine

    from api.database import engine_from_url, use_engine
    from api.migrate import MigrationFailed, migrate

    try:
        engine = engine_from_url(settings.database_url)
    except SettingsError as exc:
        raise CliUsageError(str(exc)) from exc

    async def main() -> T:
        use_engine(engine)
        if isinstance(engine, PostgresEngine):
            await engine.start_connection_pool(min_size=1, max_size=4)
        try:
            await migrate(engine)
            return await job(engine)
        finally:
            if isinstance(engine, PostgresEngine):
                await engine.close_connection_pool()

    try:
        return asyncio.run(main())
    except MigrationFailed as exc:
        raise CliFailure(str(exc)) from exc
    except OSError as exc:  # database unreachable, disk full…
        raise CliFailure(f"database: {exc}") from exc
