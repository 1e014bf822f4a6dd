"""A small HTTP/1.1 load generator on raw keep-alive sockets (cheap enough to share 2 cores with the server),
and helpers to run `sipas serve` as a subprocess. Used by the ingestion benchmark and the SIGKILL test."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli_env(tmp: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "SIPAS_"))}
    env.update(
        DATABASE_URL=database_url or f"sqlite:///{tmp / 'bench.sqlite'}",
        SIPAS_DATA_DIR=str(tmp / "data"),
        SIPAS_RATE_LIMIT="0",
        # No background upkeep of cell sums unless a benchmark measures it: its rounds would read the
        # benchmarks' large waves while they are timed.
        SIPAS_CELLS_UPKEEP_SECONDS="0",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def run_cli(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", *args], env=env, capture_output=True, text=True, timeout=600
    )
    if result.returncode != 0:
        raise RuntimeError(f"sipas {' '.join(args)} failed: {result.stderr}")
    return result.stdout


class Server:
    """`sipas serve` in a subprocess on a free port."""

    def __init__(self, env: dict[str, str], workers: int = 1) -> None:
        self.env = env
        self.port = free_port()
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> Server:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "api.cli",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server exited: {self.process.stderr.read().decode() if self.process.stderr else ''}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()  # SIGKILL: no cleanup, no flush
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class LoadResult:
    seconds: float
    statuses: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)  # ids answered 201 or 200
    errors: int = 0

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def rate(self, status: int | None = None) -> float:
        count = self.requests if status is None else self.statuses.get(status, 0)
        return count / self.seconds

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def post_request(path: str, body: bytes, port: int) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def get_request(path: str, port: int) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()


async def _worker(
    port: int,
    make: Callable[[], tuple[bytes, str | None]],
    stop_at: float,
    result: LoadResult,
    replay: list[tuple[bytes, str | None]],
) -> None:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        result.errors += 1
        return
    try:
        while time.perf_counter() < stop_at:
            request, ident = replay.pop() if replay else make()
            started = time.perf_counter()
            writer.write(request)
            status_line = await reader.readline()
            if not status_line:
                result.errors += 1
                return
            status = int(status_line.split()[1])
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            result.latencies.append(time.perf_counter() - started)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if ident is not None and status in (200, 201):
                result.acknowledged.append(ident)
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
        result.errors += 1
    finally:
        writer.close()


async def run_load(
    port: int, make: Callable[[], tuple[bytes, str | None]], clients: int, seconds: float, replays: int = 0
) -> LoadResult:
    """`clients` keep-alive connections sending as fast as answers come back, for `seconds`.
    `replays` requests re-send earlier bodies with the same id (they must be stored once)."""
    result = LoadResult(seconds=seconds)
    replay: list[tuple[bytes, str | None]] = []
    if replays:
        replay = [make() for _ in range(replays)] * 2  # each one sent twice
    stop_at = time.perf_counter() + seconds
    started = time.perf_counter()
    await asyncio.gather(*(_worker(port, make, stop_at, result, replay) for _ in range(clients)))
    result.seconds = time.perf_counter() - started
    return result


def submission_factory(
    port: int, tokens: list[str], answers: dict[str, object]
) -> Callable[[], tuple[bytes, str]]:
    counter = [0]

    def make() -> tuple[bytes, str]:
        counter[0] += 1
        ident = str(uuid.uuid4())
        body = json.dumps(
            {
                "id": ident,
                "token": tokens[counter[0] % len(tokens)],
                "answers": answers,
                "channel": "online",
                "language": "vi",
            }
        ).encode()
        return post_request("/api/v1/submissions", body, port), ident

    return make


def fresh_postgres_database(url: str, name: str) -> str:
    """A new, empty database beside ``url``'s (dropped first if left over): benchmarks never touch the
    database the test suite uses, which other runs may be using at the same time."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    target = urlunsplit(parts._replace(path=f"/{name}"))
    for statement in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", url, "-q", "-c", statement], check=True, capture_output=True)
    return target
