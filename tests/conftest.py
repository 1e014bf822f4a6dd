"""Shared fixtures: every database test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.

SQLite: migrate once into a template file, copy it for each test (fast, isolated).
PostgreSQL: migrate once per session, truncate every table before each test.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("PICCOLO_CONF", "api.piccolo_conf")

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from api.database import engine_from_url, use_engine
from api.migrate import migrate
from api.settings import Settings
from survey_engine.tables import ALL_TABLES

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
ENGINES = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    asyncio.run(migrate(engine_from_url(f"sqlite:///{path}")))
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")

    async def reset_and_migrate() -> None:
        engine = engine_from_url(TEST_DATABASE_URL)
        use_engine(engine)
        await ALL_TABLES[0].raw("DROP SCHEMA IF EXISTS public CASCADE")
        await ALL_TABLES[0].raw("CREATE SCHEMA public")
        await migrate(engine)

    asyncio.run(reset_and_migrate())
    return TEST_DATABASE_URL


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_migrated")
    template: Path = request.getfixturevalue("sqlite_template")
    target = tmp_path / "sipas.sqlite"
    shutil.copy(template, target)
    return f"sqlite:///{target}"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[Engine]:
    engine = engine_from_url(database_url)
    use_engine(engine)
    if isinstance(engine, PostgresEngine):
        names = ", ".join(t._meta.tablename for t in ALL_TABLES)
        await ALL_TABLES[0].raw(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    yield engine


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # Cheap argon2 parameters: the suite hashes hundreds of passwords; production keeps the defaults.
    return Settings(
        database_url=database_url,
        secret_key="test-secret-key-that-is-long-enough-0123456789",
        base_url="http://testserver",
        rate_limit_per_minute=0,
        data_dir=tmp_path / "data",
        argon2_time_cost=1,
        argon2_memory_cost_kib=1024,
        database_pool_size=0,
    )


@dataclass
class Repo:
    root: Path


@pytest.fixture(scope="session")
def repo() -> Iterator[Repo]:
    yield Repo(root=Path(__file__).resolve().parent.parent)
