"""Settings: the only place that reads the environment.

``DATABASE_URL``      sqlite:///./data/sipas.sqlite (default) or postgresql://…
``SIPAS_SECRET_KEY``  signs receipt codes and cookies; generated once into ``data/secret_key`` when unset
``SIPAS_BASE_URL``    the public address that QR codes and printed links point at
``SIPAS_RATE_LIMIT``  submissions per minute per service-point token or kiosk device (0 = no limit)
``SIPAS_WEBHOOK_ALLOW_HOSTS``  comma-separated hosts webhooks may reach over plain http or at private
                     addresses (default none: https to public addresses only; docs/webhooks.md, SSRF)
``SIPAS_WEBHOOK_TIMEOUT``  seconds one webhook request may take (default 10)
``SIPAS_WEBHOOK_WORKER``  0 to keep `sipas serve` from delivering webhooks (then run `sipas webhooks deliver`)
``SIPAS_API_KEY_RATE_LIMIT``  requests per minute per system API key (default 60; 0 = no limit)
``SIPAS_PRETOUCH_MB``  MiB of heap each served worker touches at start (default 0; api/process_memory.py)
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///./data/sipas.sqlite"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
DEFAULT_RATE_LIMIT = 60


class SettingsError(ValueError):
    """An environment variable holds a value the application cannot use."""


def database_url_from_env() -> str:
    return os.environ.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL


def _secret_key(data_dir: Path) -> str:
    configured = os.environ.get("SIPAS_SECRET_KEY", "").strip()
    if configured:
        if len(configured) < 32:
            raise SettingsError("SIPAS_SECRET_KEY must be at least 32 characters long")
        return configured
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="ascii").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Create with owner-only permissions before writing: the key must never be world-readable.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key


MAX_PRETOUCH_MB = 65536
# The server's cell-sums upkeep (api/cells_upkeep.py): a round every minute unless set. With nothing due a
# round counts the complete responses by wave (0.1-0.2 s per million) and reads a few index entries per
# large wave, so rounds less than 30 s apart would buy nothing.
DEFAULT_CELLS_UPKEEP_SECONDS = 60
MIN_CELLS_UPKEEP_SECONDS = 30
MAX_CELLS_UPKEEP_SECONDS = 86_400


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = field(default="", repr=False)
    base_url: str = DEFAULT_BASE_URL
    rate_limit_per_minute: int = DEFAULT_RATE_LIMIT
    data_dir: Path = Path("data")
    # Argon2 cost; tests lower it, production keeps argon2-cffi's RFC 9106 "low memory" default.
    argon2_time_cost: int = 3
    argon2_memory_cost_kib: int = 65536
    max_request_bytes: int = 1024 * 1024
    # asyncpg pool size; 0 = a connection per query (tests: a pool is bound to the loop that made it).
    database_pool_size: int = 20
    session_hours: int = 12
    bearer_days: int = 30
    webhook_allow_hosts: frozenset[str] = frozenset()
    webhook_timeout_seconds: float = 10.0
    webhook_worker: bool = False  # the server's delivery task; on from the environment unless set to 0
    # Requests per minute of one system API key (0: no limit), counted in the database across processes.
    api_key_requests_per_minute: int = 60
    # MiB of heap each served worker touches at start (api/process_memory.py); 0: none.
    pretouch_mb: int = 0
    # Seconds between the server's rounds that keep cell sums stored (api/cells_upkeep.py); 0: none. Off
    # unless set here or from the environment (default there: DEFAULT_CELLS_UPKEEP_SECONDS).
    cells_upkeep_seconds: float = 0.0

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(os.environ.get("SIPAS_DATA_DIR", "data"))
        rate_text = os.environ.get("SIPAS_RATE_LIMIT", "").strip()
        try:
            rate = int(rate_text) if rate_text else DEFAULT_RATE_LIMIT
        except ValueError as exc:
            raise SettingsError(f"SIPAS_RATE_LIMIT must be a whole number, got {rate_text!r}") from exc
        if rate < 0:
            raise SettingsError("SIPAS_RATE_LIMIT must be 0 (off) or positive")
        key_rate_text = os.environ.get("SIPAS_API_KEY_RATE_LIMIT", "").strip() or "60"
        if not key_rate_text.isdigit():
            raise SettingsError("SIPAS_API_KEY_RATE_LIMIT must be 0 (off) or a positive whole number")
        base_url = (os.environ.get("SIPAS_BASE_URL", "").strip() or DEFAULT_BASE_URL).rstrip("/")
        if not base_url.startswith(("http://", "https://")):
            raise SettingsError("SIPAS_BASE_URL must start with http:// or https://")
        hosts = os.environ.get("SIPAS_WEBHOOK_ALLOW_HOSTS", "")
        timeout_text = os.environ.get("SIPAS_WEBHOOK_TIMEOUT", "").strip() or "10"
        try:
            timeout = float(timeout_text)
        except ValueError as exc:
            raise SettingsError(
                f"SIPAS_WEBHOOK_TIMEOUT must be a number of seconds, got {timeout_text!r}"
            ) from exc
        if not 0 < timeout <= 60:
            raise SettingsError("SIPAS_WEBHOOK_TIMEOUT must be between 0 and 60 seconds")
        pretouch_text = os.environ.get("SIPAS_PRETOUCH_MB", "").strip() or "0"
        if not pretouch_text.isdigit() or int(pretouch_text) > MAX_PRETOUCH_MB:
            raise SettingsError(
                f"SIPAS_PRETOUCH_MB must be a whole number of MiB from 0 to {MAX_PRETOUCH_MB}, "
                f"got {pretouch_text!r}"
            )
        upkeep_text = os.environ.get("SIPAS_CELLS_UPKEEP_SECONDS", "").strip()
        upkeep_text = upkeep_text or str(DEFAULT_CELLS_UPKEEP_SECONDS)
        upkeep = int(upkeep_text) if upkeep_text.isdigit() else -1
        if upkeep != 0 and not MIN_CELLS_UPKEEP_SECONDS <= upkeep <= MAX_CELLS_UPKEEP_SECONDS:
            raise SettingsError(
                "SIPAS_CELLS_UPKEEP_SECONDS must be 0 (off) or a whole number of seconds from "
                f"{MIN_CELLS_UPKEEP_SECONDS} to {MAX_CELLS_UPKEEP_SECONDS}, got {upkeep_text!r}"
            )
        worker = os.environ.get("SIPAS_WEBHOOK_WORKER", "1").strip().lower()
        if worker not in ("0", "1", "true", "false", "yes", "no", "on", "off"):
            raise SettingsError("SIPAS_WEBHOOK_WORKER must be 1 or 0")
        return cls(
            webhook_allow_hosts=frozenset(h.strip().lower() for h in hosts.split(",") if h.strip()),
            webhook_timeout_seconds=timeout,
            webhook_worker=worker in ("1", "true", "yes", "on"),
            database_url=database_url_from_env(),
            secret_key=_secret_key(data_dir),
            base_url=base_url,
            rate_limit_per_minute=rate,
            data_dir=data_dir,
            api_key_requests_per_minute=int(key_rate_text),
            pretouch_mb=int(pretouch_text),
            cells_upkeep_seconds=float(upkeep),
        )

    @property
    def database_kind(self) -> str:
        return "postgresql" if self.database_url.startswith(("postgresql://", "postgres://")) else "sqlite"
