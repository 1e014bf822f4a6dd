"""One application object serves many tests: ``api.app.bind`` attaches a test's settings and database and a
fresh set of services, and keeps nothing from the test before (no state, no cache, no engine)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient
from piccolo.engine.base import Engine

from api.app import bind, create_app, structure_of
from api.database import engine_from_url, use_engine
from api.settings import Settings
from tests.api.conftest import World, shared_app


async def test_a_rebound_application_keeps_nothing_from_before(
    world: World, settings: Settings, engine: Engine[Any], tmp_path: Path
) -> None:
    app = world.app
    assert shared_app(settings, engine) is app  # one application per structure, for the whole session
    before = app.state.services
    await before.public_results.waves()  # fill a cache
    app.state.left_behind = "a test's own state"
    elsewhere = dataclasses.replace(settings, base_url="http://elsewhere.example", data_dir=tmp_path / "d2")
    try:
        bind(app, elsewhere, engine)
        assert app.state.services is not before and app.state.settings is elsewhere
        assert "left_behind" not in app.state.dict()
        assert app.state.services.public_results.generation == 0  # every cache starts empty
        assert not app.state.services.served_pages.ready and not app.state.services.results_pages.pages
        async with AsyncTestClient(app=app) as client:
            assert (await client.get("/health")).status_code == 200
    finally:
        bind(app, settings, engine)
        use_engine(engine)


def test_applications_differ_where_the_routes_depend_on_the_settings(settings: Settings) -> None:
    bigger = dataclasses.replace(settings, max_request_bytes=settings.max_request_bytes * 2)
    assert structure_of(bigger) != structure_of(settings)
    assert structure_of(dataclasses.replace(settings, base_url="http://x.example")) == structure_of(settings)


async def test_create_app_binds_what_it_is_given(settings: Settings, engine: Engine[Any]) -> None:
    own = engine_from_url(settings.database_url)
    try:
        app = create_app(settings, own)
        assert app.state.engine is own and app.state.settings is settings
    finally:
        use_engine(engine)
