"""`sipas db migrate`, `sipas demo`, `sipas user add` as a user runs them (subprocesses, real databases)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from survey_engine.questionnaire import get_template, validate_answers
from tests.support.cli import run_sipas

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()


def sipas(args: list[str], env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``sipas args`` in this process (tests/support/cli.py): the same streams and exit status as the
    command, without an interpreter's start and the application's imports per call."""
    return run_sipas(args, env, stdin)


def sipas_process(
    args: list[str], env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m api.cli args`` as a real subprocess (the entry point itself)."""
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=240,
    )


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    return cli_env_in(tmp_path)


def cli_env_in(tmp_path: Path) -> dict[str, str]:
    """The environment of a command run on a SQLite file and a data folder in ``tmp_path``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "SIPAS_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'cli.sqlite'}",
        SIPAS_DATA_DIR=str(tmp_path / "data"),
        SIPAS_BASE_URL="https://khaosat.example.vn",
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
    )
    return env


def _check_demo(result: subprocess.CompletedProcess[str]) -> dict:
    assert result.returncode == 0, result.stderr
    demo = json.loads(result.stdout)
    assert set(demo) >= {"wave", "questionnaire", "agencies", "service_points", "staff"}
    assert demo["wave"] == "AB-2026" and demo["questionnaire"] == "sipas-2023"
    assert len(demo["agencies"]) >= 12
    assert {p["agency"] for p in demo["service_points"]} == set(demo["agencies"])
    for point in demo["service_points"]:
        assert set(point) == {"code", "agency", "token", "online_url", "kiosk_url"}
        assert point["online_url"] == f"https://khaosat.example.vn/f/{point['token']}"
        assert point["kiosk_url"].startswith(f"https://khaosat.example.vn/k/{point['token']}#device=")
    assert {s["role"] for s in demo["staff"]} == {"admin", "statistician", "agency", "interviewer"}
    return demo


def test_demo_is_idempotent_and_prints_the_contract(cli_env: dict[str, str]) -> None:
    first = _check_demo(sipas(["demo", "--json", "--responses", "30"], cli_env))
    second = _check_demo(sipas(["demo", "--json", "--responses", "30"], cli_env))
    assert first["staff"] == second["staff"]  # same passwords: they are kept in data/demo_credentials.json
    assert first["service_points"] == second["service_points"]
    assert second["responses"] == 30
    credentials = Path(cli_env["SIPAS_DATA_DIR"]) / "demo_credentials.json"
    assert oct(credentials.stat().st_mode & 0o777) == "0o600"
    assert oct((Path(cli_env["SIPAS_DATA_DIR"]) / "secret_key").stat().st_mode & 0o777) == "0o600"
    human = sipas(["demo"], cli_env)
    assert human.returncode == 0 and "admin@demo.sipas.vn" in human.stdout and "/k/" in human.stdout
    provinces = json.loads(sipas(["province", "list", "--json"], cli_env).stdout)
    # the demo's province is a tenant holding everything the demo made (its administrator is national)
    assert [(p["code"], p["unit_code"]) for p in provinces] == [("AB", "AB")]
    assert provinces[0]["agencies"] == len(first["agencies"]) and provinces[0]["waves"] == 1
    assert provinces[0]["accounts"] == len(first["staff"]) - 1


def test_demo_responses_are_valid_answers(cli_env: dict[str, str]) -> None:
    import sqlite3

    _check_demo(sipas(["demo", "--json", "--responses", "40"], cli_env))
    path = cli_env["DATABASE_URL"].removeprefix("sqlite:///")
    rows = sqlite3.connect(path).execute("select answers from submission").fetchall()
    assert len(rows) == 40
    q = get_template("sipas-2023")
    for (answers,) in rows:
        assert validate_answers(q, json.loads(answers)) == []


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="TEST_DATABASE_URL is not set")
def test_demo_on_postgresql(cli_env: dict[str, str], postgres_migrated: str) -> None:
    cli_env["DATABASE_URL"] = postgres_migrated
    _check_demo(sipas(["demo", "--json", "--responses", "10"], cli_env))
    _check_demo(sipas(["demo", "--json", "--responses", "10"], cli_env))


def test_migrate_twice_is_harmless(cli_env: dict[str, str]) -> None:
    for run in (sipas_process, sipas):  # the real entry point once, then the same command in-process
        result = run(["db", "migrate"], cli_env)
        assert result.returncode == 0, result.stderr
        assert "migrated" in result.stdout


def test_user_add(cli_env: dict[str, str]) -> None:
    assert sipas(["db", "migrate"], cli_env).returncode == 0
    made = sipas(["user", "add", "Thong.Ke@Example.org", "--role", "statistician"], cli_env)
    assert made.returncode == 0, made.stderr
    assert "password: " in made.stdout
    typed = sipas(
        ["user", "add", "a2@example.org", "--role", "admin", "--password-stdin"],
        cli_env,
        stdin="a long enough password\n",
    )
    assert typed.returncode == 0 and "password:" not in typed.stdout


@pytest.mark.parametrize(
    "args,message",
    [
        (["user", "add", "x@example.org", "--role", "boss"], "invalid choice"),
        (["user", "add", "x@example.org", "--role", "agency"], "agency"),
        (["user", "add", "x@example.org", "--role", "agency", "--agency", "NOPE"], "unknown agency"),
        (["user", "add", "not-an-email", "--role", "admin"], "e-mail"),
        (["serve", "--port", "99999"], "port"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_user_mistakes_are_one_line_and_exit_2(
    cli_env: dict[str, str], args: list[str], message: str
) -> None:
    result = sipas(args, cli_env)
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_bad_database_url_is_a_usage_error(cli_env: dict[str, str]) -> None:
    cli_env["DATABASE_URL"] = "mysql://x"
    result = sipas(["db", "migrate"], cli_env)
    assert result.returncode == 2 and "DATABASE_URL" in result.stderr


def test_province_add_list_and_accounts_of_a_province(cli_env: dict[str, str]) -> None:
    assert sipas(["db", "migrate"], cli_env).returncode == 0
    for code, name in (("HN", "Hà Nội"), ("HP", "Hải Phòng")):
        made = sipas(["province", "add", code, "--name-vi", name, "--name-en", name], cli_env)
        assert made.returncode == 0 and f"created province {code}" in made.stdout, made.stderr
    again = sipas(["province", "add", "HN", "--name-vi", "x", "--name-en", "x"], cli_env)
    assert again.returncode == 2 and "already exists" in again.stderr
    # two provinces: a province role must name its province; the ministry must not have one
    unnamed = sipas(["user", "add", "tk@example.org", "--role", "statistician"], cli_env)
    assert unnamed.returncode == 2 and "province" in unnamed.stderr
    named = sipas(["user", "add", "tk@example.org", "--role", "statistician", "--province", "HP"], cli_env)
    assert named.returncode == 0 and "in province HP" in named.stdout, named.stderr
    ministry = sipas(["user", "add", "bo@example.org", "--role", "ministry"], cli_env)
    assert ministry.returncode == 0 and "(national)" in ministry.stdout, ministry.stderr
    listed = sipas(["province", "list", "--json"], cli_env)
    assert listed.returncode == 0, listed.stderr
    rows = {r["code"]: r for r in json.loads(listed.stdout)}
    assert set(rows) == {"HN", "HP"} and rows["HP"]["accounts"] == 1 and rows["HN"]["accounts"] == 0
