"""Which database errors mean "not now" (answered 503 by the API) and which are ordinary failures."""

from __future__ import annotations

import asyncio
import sqlite3

import asyncpg
import pytest

from survey_engine.transactions import unavailable_cause


@pytest.mark.parametrize(
    "error,cause",
    [
        (sqlite3.OperationalError("database is locked"), "locked"),
        (sqlite3.OperationalError("database table is locked"), "locked"),
        (sqlite3.OperationalError("database or disk is full"), "disk_full"),
        (sqlite3.OperationalError("disk I/O error"), "io_error"),
        (sqlite3.OperationalError("unable to open database file"), "unreachable"),
        (sqlite3.OperationalError("attempt to write a readonly database"), "read_only"),
        (asyncpg.exceptions.DiskFullError("could not extend file"), "disk_full"),
        (asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"), "overloaded"),
        (asyncpg.exceptions.CannotConnectNowError("the database system is starting up"), "unreachable"),
        (asyncpg.exceptions.AdminShutdownError("terminating connection"), "unreachable"),
        (asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"), "unreachable"),
        (asyncpg.exceptions.ReadOnlySQLTransactionError("read-only transaction"), "read_only"),
    ],
)
def test_unavailability_is_recognised(error: Exception, cause: str) -> None:
    assert unavailable_cause(error) == cause


@pytest.mark.parametrize(
    "error",
    [
        sqlite3.OperationalError("no such table: agency"),
        sqlite3.IntegrityError("UNIQUE constraint failed: agency.code"),
        sqlite3.DatabaseError("database disk image is malformed"),
        asyncpg.exceptions.UniqueViolationError("duplicate key value"),
        asyncpg.exceptions.UndefinedTableError('relation "agency" does not exist'),
        OSError(28, "No space left on device"),  # a file of our own, not the database connection
        ConnectionRefusedError(111, "Connect call failed"),  # not raised by the database driver
        RuntimeError("database is locked"),
    ],
)
def test_other_errors_are_not_unavailability(error: Exception) -> None:
    assert unavailable_cause(error) is None


def test_socket_errors_while_the_driver_connects_mean_unreachable() -> None:
    async def connect() -> None:
        await asyncpg.connect("postgresql://postgres@127.0.0.1:9/none", timeout=5)  # nothing listens

    with pytest.raises(OSError) as caught:
        asyncio.run(connect())
    assert unavailable_cause(caught.value) == "unreachable"


def test_a_wrapped_cause_is_followed() -> None:
    try:
        try:
            raise sqlite3.OperationalError("database is locked")
        except sqlite3.OperationalError as exc:
            raise RuntimeError("could not store") from exc
    except RuntimeError as outer:
        assert unavailable_cause(outer) == "locked"
