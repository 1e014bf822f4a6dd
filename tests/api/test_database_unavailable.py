"""A database that is busy, full or out of reach answers 503 with Retry-After, and /health says so.

SQLite: another connection really holds the lock (the application's busy timeout is shortened so that the
wait ends quickly) and a real SQLITE_FULL comes from a page limit on the ingestion connection. PostgreSQL:
a URL where nothing listens, and the driver's own exceptions for a full disk and too many connections.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine

import api.collection.routes_submissions as submissions_route
from api.app import create_app
from api.database import use_engine
from api.settings import Settings
from api.web.auth import SESSION_COOKIE
from survey_engine.collection.ingest_store import PostgresBatchStore, SQLiteBatchStore
from survey_engine.tables import Agency, Submission
from tests.api.conftest import World, create_open_wave, point_token, shared_app
from tests.support.console import Console

BUSY_SECONDS = 0.3
SECURITY = ("x-content-type-options", "x-frame-options", "referrer-policy", "cross-origin-opener-policy")


@pytest.fixture
async def app(settings: Settings, engine: Engine) -> Litestar:
    """The application with a short busy timeout on SQLite, so that a held lock fails a request quickly."""
    if isinstance(engine, SQLiteEngine):
        engine = SQLiteEngine(path=engine.path, timeout=BUSY_SECONDS)
    return shared_app(settings, engine)


@contextmanager
def held_lock(path: str, readers_too: bool) -> Iterator[None]:
    """Another process's lock: the write lock (reads go on, in WAL mode), or with ``readers_too`` the
    exclusive lock of a connection in exclusive locking mode, which keeps readers out as well."""
    conn = sqlite3.connect(path, isolation_level=None)
    if readers_too:
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
    conn.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()  # an exclusive-mode connection keeps its lock until it closes


def _submission(token: str) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "token": token, "answers": {"RATING": 3}, "channel": "online"}


def _assert_unavailable(response: Any, retry_after: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["retry-after"] == retry_after
    problem = response.json()
    assert problem["type"] == "urn:sipas:problem:unavailable"
    assert problem["status"] == 503 and problem["title"] and "try again" in problem["detail"]
    for name in SECURITY:
        assert name in response.headers, name


def _sqlite_only(database_url: str) -> None:
    if database_url.startswith("postgresql"):
        pytest.skip("SQLite locking")


@pytest.mark.parametrize("fast", [True, False], ids=["fast-path", "handler"])
async def test_a_locked_database_answers_503_everywhere_and_health_says_so(
    world: World,
    database_url: str,
    fast: bool,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _sqlite_only(database_url)
    monkeypatch.setattr(submissions_route, "FAST_PATH_ENABLED", fast)
    await create_open_wave(world)
    token = await point_token(world)
    console = Console(world, "admin")
    path = str(world.app.state.engine.path)
    body = _submission(token)
    with caplog.at_level(logging.WARNING, logger="sipas.api"), held_lock(path, readers_too=True):
        _assert_unavailable(await world.client.post("/api/v1/submissions", json=body), "2")
        staff = await world.client.get("/api/v1/agencies", headers=world.auth("admin"))
        _assert_unavailable(staff, "2")
        _assert_unavailable(await console.get("/staff/agencies"), "2")
        health = await world.client.get("/health")
        assert health.status_code == 503
        assert health.headers["retry-after"] == "2"
        assert health.json() == {
            "status": "unavailable",
            "database": "sqlite",
            "version": health.json()["version"],
            "database_state": "locked",
        }
    assert "database unavailable (locked): OperationalError on POST /api/v1/submissions" in caplog.text
    assert "database unavailable (locked): OperationalError on GET /staff/agencies" in caplog.text
    assert await Submission.count() == 0  # nothing half-written
    # Once the lock is gone the same request goes through.
    after = await world.client.post("/api/v1/submissions", json=body)
    assert after.status_code == 201, after.text
    assert (await console.get("/staff/agencies")).status_code == 200


async def test_a_held_write_lock_refuses_writes_while_reads_go_on(world: World, database_url: str) -> None:
    _sqlite_only(database_url)
    await create_open_wave(world)
    token = await point_token(world)
    with held_lock(str(world.app.state.engine.path), readers_too=False):
        _assert_unavailable(await world.client.post("/api/v1/submissions", json=_submission(token)), "2")
        agency = {"code": "NEW", "name_vi": "Sở Mới", "name_en": "New", "level": "province"}
        created = await world.client.post("/api/v1/agencies", json=agency, headers=world.auth("admin"))
        _assert_unavailable(created, "2")
        listed = await world.client.get("/api/v1/agencies", headers=world.auth("admin"))
        assert listed.status_code == 200
        health = await world.client.get("/health")
        assert health.status_code == 200
        assert (health.json()["status"], health.json()["database_state"]) == ("degraded", "locked")
    assert await Submission.count() == 0
    assert await Agency.count() == 2


async def test_a_full_disk_answers_503_and_health_reports_it(
    world: World, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await create_open_wave(world)
    token = await point_token(world)
    healthy = await world.client.get("/health")
    assert healthy.status_code == 200
    assert (healthy.json()["status"], healthy.json()["database_state"]) == ("ok", "ok")
    if database_url.startswith("postgresql"):

        async def full(*_: object, **__: object) -> object:
            raise asyncpg.exceptions.DiskFullError("could not extend file: No space left on device")

        monkeypatch.setattr(PostgresBatchStore, "write", full)
    else:
        original = SQLiteBatchStore._connection

        def no_room_to_grow(self: SQLiteBatchStore) -> sqlite3.Connection:
            conn = original(self)
            # SQLite's own "database or disk is full": the file may not grow by a single page.
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages}")
            return conn

        monkeypatch.setattr(SQLiteBatchStore, "_connection", no_room_to_grow)
    answers = {"RATING": 3, "COMMENT": "x" * 1000}
    accepted = 0
    for _ in range(40):  # the table's last page fills up after a few: the next row needs a new page
        response = await world.client.post(
            "/api/v1/submissions", json={**_submission(token), "answers": answers}
        )
        if response.status_code != 201:
            break
        accepted += 1
    _assert_unavailable(response, "60")
    assert await Submission.count() == accepted  # the refused one is not stored
    health = await world.client.get("/health")
    assert health.status_code == 200  # reads still work
    assert (health.json()["status"], health.json()["database_state"]) == ("degraded", "disk_full")


@pytest.mark.parametrize("page", ["/api/v1/agencies", "/staff/agencies"])
async def test_driver_errors_of_an_overloaded_database_answer_503(
    world: World, database_url: str, page: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    error: Exception = (
        asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already")
        if database_url.startswith("postgresql")
        else sqlite3.OperationalError("database is locked")
    )
    cause, retry_after = ("overloaded", "5") if database_url.startswith("postgresql") else ("locked", "2")

    async def refuse(*_: object, **__: object) -> object:
        raise error

    monkeypatch.setattr(world.app.state.services.agencies, "list", refuse)
    response = (
        await world.client.get(page, headers=world.auth("admin"))
        if page.startswith("/api")
        else await Console(world, "admin").get(page)
    )
    _assert_unavailable(response, retry_after)
    health = await world.client.get("/health")
    assert (health.json()["status"], health.json()["database_state"]) == ("degraded", cause)


@pytest.fixture
async def unreachable_postgres(tmp_path: Path) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """An application whose PostgreSQL URL names a port where nothing listens."""
    previous = Agency._meta.db
    settings = Settings(
        database_url="postgresql://postgres@127.0.0.1:9/sipas",  # port 9 (discard): refused
        secret_key="test-secret-key-that-is-long-enough-0123456789",
        base_url="http://testserver",
        rate_limit_per_minute=0,
        data_dir=tmp_path / "data",
        database_pool_size=0,
    )
    # Piccolo asks for the server version when the engine is made, and only warns when it cannot.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Unable to (connect to database|fetch server version)")
        app = create_app(settings)
    try:
        async with AsyncTestClient(app=app) as client:
            yield client
    finally:
        use_engine(previous)


async def test_an_unreachable_postgresql_answers_503_and_health_says_unavailable(
    unreachable_postgres: AsyncTestClient[Litestar],
) -> None:
    client = unreachable_postgres
    health = await client.get("/health")
    assert health.status_code == 503
    assert health.headers["retry-after"] == "10"
    assert health.json()["status"] == "unavailable"
    assert health.json()["database"] == "postgresql"
    assert health.json()["database_state"] == "unreachable"
    submission = _submission("some-token")
    _assert_unavailable(await client.post("/api/v1/submissions", json=submission), "10")
    _assert_unavailable(
        await client.get("/api/v1/agencies", headers={"Authorization": "Bearer some-token"}), "10"
    )
    page = await client.get("/staff/agencies", headers={"Cookie": f"{SESSION_COOKIE}=some-token"})
    _assert_unavailable(page, "10")
