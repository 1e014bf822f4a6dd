"""Failed logins are counted in the database: parallel wrong passwords lock an account as serial ones do."""

from __future__ import annotations

import asyncio
import contextlib

import httpx

from survey_engine.errors import AuthenticationFailed
from survey_engine.staff import MAX_FAILED_LOGINS
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
