"""SIGKILL the real server in the middle of a load: every acknowledged id is stored exactly once."""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
from pathlib import Path

from survey_engine.questionnaire import get_template
from survey_engine.simulate import simulate_answers
from tests.support.loadgen import Server, cli_env, run_cli, run_load, submission_factory


def test_acknowledged_submissions_survive_sigkill(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    demo = json.loads(run_cli(["demo", "--json", "--responses", "0"], env))
    tokens = [p["token"] for p in demo["service_points"]]
    answers = simulate_answers(get_template("sipas-2023"), random.Random(1))
    server = Server(env).start()
    make = submission_factory(server.port, tokens, answers)

    async def load_then_kill() -> list[str]:
        loop = asyncio.get_running_loop()
        loop.call_later(1.5, server.kill)
        result = await run_load(server.port, make, clients=16, seconds=3.0)
        return result.acknowledged

    try:
        acknowledged = asyncio.run(load_then_kill())
    finally:
        server.kill()
    assert len(acknowledged) > 50, "the load did not get going before the kill"
    database = env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as conn:
        stored = dict(
            conn.execute("SELECT client_id, COUNT(*) FROM submission GROUP BY client_id").fetchall()
        )
    missing = [i for i in acknowledged if i not in stored]
    assert not missing, f"{len(missing)} acknowledged submissions were lost"
    assert all(count == 1 for count in stored.values())

    # After a restart, a client re-sending an acknowledged submission gets 200 and nothing is stored twice.
    restarted = Server(env).start()
    try:
        replay = submission_factory(restarted.port, tokens, answers)
        first_body = None

        async def resend() -> int:
            nonlocal first_body
            reader, writer = await asyncio.open_connection("127.0.0.1", restarted.port)
            request, ident = replay()
            writer.write(request)
            status = int((await reader.readline()).split()[1])
            writer.close()
            first_body = (request, ident)
            return status

        assert asyncio.run(resend()) == 201
        assert first_body is not None
        request, ident = first_body

        async def again() -> int:
            reader, writer = await asyncio.open_connection("127.0.0.1", restarted.port)
            writer.write(request)
            status = int((await reader.readline()).split()[1])
            writer.close()
            return status

        assert asyncio.run(again()) == 200
    finally:
        restarted.stop()
    with sqlite3.connect(database) as conn:
        (count,) = conn.execute("SELECT COUNT(*) FROM submission WHERE client_id = ?", (ident,)).fetchone()
    assert count == 1


def test_two_server_processes_share_the_file(tmp_path: Path) -> None:
    """Two worker processes take turns writing (lock file, checkpoints outside the turn): every answer
    is 201 or 200, each acknowledged id is stored once, replays are stored once."""
    env = cli_env(tmp_path)
    demo = json.loads(run_cli(["demo", "--json", "--responses", "0"], env))
    tokens = [p["token"] for p in demo["service_points"]]
    answers = simulate_answers(get_template("sipas-2023"), random.Random(2))
    server = Server(env, workers=2).start()
    try:
        make = submission_factory(server.port, tokens, answers)
        result = asyncio.run(run_load(server.port, make, clients=16, seconds=2.0, replays=40))
    finally:
        server.stop()
    assert result.errors == 0 and set(result.statuses) <= {200, 201}, result.statuses
    assert result.statuses.get(200, 0) >= 40 and result.statuses.get(201, 0) > 100
    database = env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as conn:
        stored = dict(
            conn.execute("SELECT client_id, COUNT(*) FROM submission GROUP BY client_id").fetchall()
        )
    assert all(count == 1 for count in stored.values())
    assert set(result.acknowledged) <= set(stored)
    assert len(stored) == result.statuses[201]
