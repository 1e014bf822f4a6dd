"""A real server on a temporary SQLite database seeded by ``sipas demo``, and a Chromium page.

Skipped with a reason when /usr/bin/chromium or the playwright package is missing.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENS = Path("/tmp/screens")
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def _skip_reason() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing: browser tests need Debian's chromium"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[browser]')"
    return None


@dataclass
class Server:
    url: str
    db: Path
    demo: dict[str, Any]
    admin: dict[str, str]

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        req = urllib.request.Request(
            self.url + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json", **self.admin},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read() or b"null")

    def count(self, where: str = "1=1", *args: Any) -> int:
        con = sqlite3.connect(self.db, timeout=10)
        try:
            return int(con.execute(f"select count(*) from submission where {where}", args).fetchone()[0])
        finally:
            con.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("browser")
    port = _free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "SIPAS_", "PICCOLO_CONF"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp / 'sipas.sqlite'}",
        SIPAS_DATA_DIR=str(tmp / "data"),
        SIPAS_BASE_URL=f"http://127.0.0.1:{port}",
        SIPAS_RATE_LIMIT="0",
        PYTHONPATH=str(ROOT),
    )

    def cli(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "api.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    cli("db", "migrate")
    demo = json.loads(cli("demo", "--json", "--responses", "0"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=tmp,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        admin = next(s for s in demo["staff"] if s["role"] == "admin")
        req = urllib.request.Request(
            url + "/api/v1/auth/login",
            method="POST",
            data=json.dumps({"email": admin["email"], "password": admin["password"]}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            token = json.loads(resp.read())["token"]
        yield Server(url=url, db=tmp / "sipas.sqlite", demo=demo, admin={"Authorization": f"Bearer {token}"})
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Any]:
    # Module scope: the sync API runs an event loop on this thread while it is open, which would
    # break asyncio.run() in the test modules collected after this one.
    from playwright.sync_api import sync_playwright

    SCREENS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale="vi-VN",
    )
    page = ctx.new_page()
    yield page
    ctx.close()


@pytest.fixture
def tablet(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True, locale="vi-VN")
    page = ctx.new_page()
    yield page
    ctx.close()


_counter_waves: dict[str, str] = {}


def counter_point(server: Server, index: int, idle_policy: str = "discard") -> dict[str, Any]:
    """A demo service point moved onto its own open counter-3 wave (quick forms for kiosk tests)."""
    point = dict(server.demo["service_points"][index])
    code = f"K{index}"
    if code not in _counter_waves:
        server.api(
            "POST",
            "/api/v1/waves",
            {
                "code": code,
                "name_vi": "Đánh giá tại quầy",
                "name_en": "Counter rating",
                "questionnaire": "counter-3",
                "questionnaire_version": 1,
                "period_start": "2026-01-01",
                "period_end": "2026-12-31",
                "channels": ["online", "kiosk"],
                "agencies": [point["agency"]],
                "service_points": [point["code"]],
                "settings": {"kiosk_idle": idle_policy},
            },
        )
        server.api("POST", f"/api/v1/waves/{code}/status", {"status": "open"})
        _counter_waves[code] = point["token"]
    device = server.api(
        "POST", "/api/v1/kiosk-devices", {"service_point": point["code"], "name": f"tablet {index}"}
    )
    base = point["kiosk_url"].split("#")[0]  # the demo's URL already pairs its own tablet
    return {**point, "kiosk_url": base, "wave": code, "device": device["token"]}
