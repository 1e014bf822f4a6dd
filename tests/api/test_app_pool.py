"""The application's lifespan: on PostgreSQL it opens Piccolo's connection pool, sized by the settings, and
closes it at shutdown; SQLite has no pool, and nothing asks it for one (Piccolo would warn)."""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from api.app import create_app
from api.database import engine_from_url, use_engine
from api.settings import Settings
from survey_engine.tables import Agency


async def test_the_lifespan_opens_and_closes_the_postgresql_pool(
    settings: Settings, engine: Engine[Any]
) -> None:
    app_engine = engine_from_url(settings.database_url)
    app = create_app(replace(settings, database_pool_size=3), app_engine)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            async with app.lifespan():
                if isinstance(app_engine, PostgresEngine):
                    assert app_engine.pool is not None
                    assert (app_engine.pool.get_min_size(), app_engine.pool.get_max_size()) == (1, 3)
                assert await Agency.count() == 0  # queries go through the application's engine
        if isinstance(app_engine, PostgresEngine):
            assert app_engine.pool is None
        assert [str(w.message) for w in caught] == []
    finally:
        use_engine(engine)
