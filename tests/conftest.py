"""Shared fixtures: every database test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.

SQLite: migrate once into a template file, copy it for each test (fast, isolated).
PostgreSQL: migrate once per session, truncate every table before each test.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from hypothesis import settings

os.environ.setdefault("PICCOLO_CONF", "api.piccolo_conf")

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from api.database import engine_from_url, use_engine
from api.migrate import migrate
from api.settings import Settings
from survey_engine.tables import ALL_TABLES

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()

# CI (CI=true, as .ci/run is called) replays the same property-test examples every run, so a landing is
# never decided by the draw; a developer's `make test` keeps searching new examples, and what it finds is
# kept as an @example on the test.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI", "").lower() in ("1", "true"):
    settings.load_profile("ci")


class _PooledConnection:
    """An asyncpg connection borrowed from a pool; Piccolo's ``close()`` gives it back instead."""

    def __init__(self, connection: Any, pool: Any) -> None:
        self._connection = connection
        self._pool = pool

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    async def close(self) -> None:
        await self._pool.release(self._connection)


class LoopPooledPostgresEngine(PostgresEngine):
    """Test engine: Piccolo opens a connection per query when no pool is started, which costs a
    connection set-up per statement; a Piccolo pool cannot be used because Litestar's test client serves
    requests on another event loop. So keep one small pool per event loop instead."""

    def __init__(self, dsn: str) -> None:
        self._loop_pools: dict[asyncio.AbstractEventLoop, Any] = {}  # before Piccolo's own set-up queries
        self._connections: list[Any] = []
        super().__init__(config={"dsn": dsn})

    async def get_new_connection(self) -> Any:
        import asyncpg

        loop = asyncio.get_running_loop()
        pool = self._loop_pools.get(loop)
        if pool is None:
            pool = await asyncpg.create_pool(
                dsn=self.config["dsn"], min_size=1, max_size=4, init=self._opened
            )
            self._loop_pools[loop] = pool
        return _PooledConnection(await pool.acquire(), pool)

    async def _opened(self, connection: Any) -> None:
        self._connections.append(connection)

    def terminate_pools(self) -> None:
        for loop, pool in self._loop_pools.items():
            if not loop.is_closed():
                with contextlib.suppress(RuntimeError):
                    pool.terminate()
        # The test client's loop is closed: its pool cannot be terminated, and its sockets would stay open
        # (each holding a server connection) until the garbage collector found them. Under pytest-xdist
        # that ran PostgreSQL out of connections, so end them now: a shutdown needs no event loop.
        for connection in self._connections:
            sock = None if connection.is_closed() else connection._transport.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        self._loop_pools.clear()
        self._connections.clear()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``make test`` runs the suite on one pytest-xdist worker per core. Each test module stays on one
    worker (its module fixtures are built once), and the browser tests all run on one worker in file
    order: they share one demo server, and later modules read what earlier ones stored. xdist's own
    ``loadgroup`` cannot express this with pytest 9 (it renames node ids, which pytest 9 no longer allows)."""
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return "tests/browser" if path.startswith("tests/browser/") else path

    return ModuleScheduling(config, log)


ENGINES = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    asyncio.run(migrate(engine_from_url(f"sqlite:///{path}")))
    return path


def _worker_database_url(base_url: str, worker: str) -> str:
    """The database this pytest process owns. Alone it uses TEST_DATABASE_URL itself; under pytest-xdist
    (``make test`` runs one worker per core) each worker gets its own database beside it, named after
    the worker, so workers never truncate each other's tables."""
    if worker in ("", "master"):
        return base_url
    parts = urlsplit(base_url)
    name = f"{parts.path.lstrip('/') or 'postgres'}_{worker}"
    _run_on(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def _run_on(url: str, *statements: str) -> None:
    """Run ``statements`` on the database of ``url`` (creating or dropping another database)."""

    async def run() -> None:
        import asyncpg

        connection = await asyncpg.connect(url)
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())


@pytest.fixture(scope="session")
def postgres_migrated() -> Iterator[str]:
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    url = _worker_database_url(TEST_DATABASE_URL, os.environ.get("PYTEST_XDIST_WORKER", ""))

    async def reset_and_migrate() -> None:
        engine = engine_from_url(url)
        use_engine(engine)
        await ALL_TABLES[0].raw("DROP SCHEMA IF EXISTS public CASCADE")
        await ALL_TABLES[0].raw("CREATE SCHEMA public")
        await migrate(engine)

    asyncio.run(reset_and_migrate())
    yield url
    if url != TEST_DATABASE_URL:
        name = urlsplit(url).path.lstrip("/")
        _run_on(TEST_DATABASE_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
    if not database_url.startswith("postgresql"):
        engine = engine_from_url(database_url)
        use_engine(engine)
        yield engine
        return
    pooled = LoopPooledPostgresEngine(database_url)
    use_engine(pooled)
    names = ", ".join(t._meta.tablename for t in ALL_TABLES)
    await ALL_TABLES[0].raw(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    try:
        yield pooled
    finally:
        pooled.terminate_pools()


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
