"""Failed logins are counted in the database: parallel wrong passwords lock an account as serial ones do."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from pathlib import Path

import httpx

from survey_engine.administration.staff import MAX_FAILED_LOGINS
from survey_engine.errors import AuthenticationFailed
from survey_engine.tables import StaffUser
from tests.api.conftest import PASSWORD, World

PARALLEL = 3 * MAX_FAILED_LOGINS + 4


async def _stored(email: str) -> dict[str, object]:
    row = (
        await StaffUser.select(StaffUser.failed_logins, StaffUser.locked_until)
        .where(StaffUser.email == email)
        .first()
    )
    assert row is not None
    return row


async def test_parallel_wrong_passwords_lock_the_account(world: World) -> None:
    staff = world.app.state.services.staff
    email = "statistician@example.org"

    async def attempt() -> str:
        try:
            await staff.login(email, "wrong password", kind="bearer")
        except AuthenticationFailed as exc:
            return exc.detail
        return "signed in"

    answers = await asyncio.gather(*(attempt() for _ in range(PARALLEL)))
    wrong = sum("wrong e-mail or password" in a for a in answers)
    locked = sum("locked" in a for a in answers)
    assert wrong + locked == PARALLEL  # none signed in
    # every failure that got past the lock check was counted: the count went round once per lockout
    assert wrong >= MAX_FAILED_LOGINS
    stored = await _stored(email)
    assert stored["failed_logins"] == wrong % MAX_FAILED_LOGINS
    assert stored["locked_until"] is not None
    # the right password no longer helps until the lockout ends
    try:
        await staff.login(email, PASSWORD, kind="bearer")
    except AuthenticationFailed as exc:
        assert "locked" in exc.detail
    else:
        raise AssertionError("the account is not locked")


async def test_parallel_wrong_passwords_over_http_lock_the_account(world: World) -> None:
    email = "agency@example.org"
    body = {"email": email, "password": "wrong password"}
    # The test client serves one request at a time; an ASGI transport on this loop serves them side by side,
    # as a server's event loop does.
    transport = httpx.ASGITransport(app=world.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        responses = await asyncio.gather(
            *(client.post("/api/v1/auth/login", json=body) for _ in range(PARALLEL))
        )
    assert {r.status_code for r in responses} == {401}
    wrong = sum("wrong e-mail or password" in r.json()["detail"] for r in responses)
    assert wrong >= MAX_FAILED_LOGINS
    assert (await _stored(email))["failed_logins"] == wrong % MAX_FAILED_LOGINS
    right = await world.client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert right.status_code == 401 and "locked" in right.json()["detail"]


async def test_fewer_failures_than_the_threshold_are_all_counted(world: World) -> None:
    staff = world.app.state.services.staff
    email = "interviewer@example.org"

    async def attempt() -> None:
        with contextlib.suppress(AuthenticationFailed):
            await staff.login(email, "wrong password", kind="bearer")

    await asyncio.gather(*(attempt() for _ in range(MAX_FAILED_LOGINS - 1)))
    stored = await _stored(email)
    assert stored["failed_logins"] == MAX_FAILED_LOGINS - 1 and stored["locked_until"] is None
    token, actor = await staff.login(email, PASSWORD, kind="bearer")  # still open, and the count restarts
    assert token and actor.email == email
    assert (await _stored(email))["failed_logins"] == 0


SERVER_LIKE_LOGIN = """
import asyncio, os, sys
assert "PICCOLO_CONF" not in os.environ
from api.database import engine_from_url, use_engine
from api.migrate import migrate
from survey_engine.actors import SYSTEM
from survey_engine.errors import AuthenticationFailed
from survey_engine.security import PasswordHashing
from survey_engine.administration.staff import StaffService
from survey_engine.tables import StaffUser

async def main() -> None:
    engine = engine_from_url(sys.argv[1])
    await migrate(engine)
    os.environ.pop("PICCOLO_CONF", None)  # migrate sets it for Piccolo's app registry; a server never does
    use_engine(engine)
    staff = StaffService(PasswordHashing(1, 8192), 8, 30)
    await staff.create_user(SYSTEM, "x@example.org", "Vietnam-survey-2026!", "admin", None, "X")
    for _ in range(10):
        try:
            await staff.login("x@example.org", "wrong password", "bearer")
        except AuthenticationFailed:
            pass
    row = await StaffUser.select(StaffUser.failed_logins, StaffUser.locked_until).first()
    print(row["failed_logins"], row["locked_until"] is not None)

asyncio.run(main())
"""


def test_a_wrong_password_is_counted_in_a_process_without_piccolo_conf(tmp_path: Path) -> None:
    """A server's engine comes from DATABASE_URL and it never sets PICCOLO_CONF: counting a failure must not
    need it (it did: Piccolo looked up a default engine for the CASE literals, and every wrong password
    answered 500 in a real server)."""
    env = {k: v for k, v in os.environ.items() if k != "PICCOLO_CONF"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    done = subprocess.run(
        [sys.executable, "-c", SERVER_LIKE_LOGIN, f"sqlite:///{tmp_path / 'db.sqlite'}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["0", "True"]  # the tenth failure locked the account
