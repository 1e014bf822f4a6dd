"""``sipas serve``, ``sipas db migrate`` and ``sipas demo``."""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
from typing import Any

from api.cli.errors import CliUsageError
from api.cli.runtime import run_with_engine, settings_from_env
from api.settings import Settings

# -- serve ------------------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = settings_from_env()
    if args.workers < 1:
        raise CliUsageError("--workers must be at least 1")
    print(f"sipas: serving {settings.base_url} (database: {settings.database_kind})", flush=True)
    print(f"  health:   {settings.base_url}/health", flush=True)
    print(f"  staff console: {settings.base_url}/staff   (interviewers: {settings.base_url}/i)", flush=True)
    print(
        f"  staff API: {settings.base_url}/api/v1/  (OpenAPI: {settings.base_url}/schema/openapi.json)",
        flush=True,
    )
    uvicorn.run(
        "api.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
        access_log=False,  # request lines carry tokens in URLs: keep them out of logs
        server_header=False,
    )
    return 0


# -- db migrate -------------------------------------------------------------------------------------


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = settings_from_env()

    async def nothing(_: Any) -> None:
        return None

    run_with_engine(settings, nothing)
    print(f"database migrated ({settings.database_kind})")
    return 0


def cmd_forget_cells(args: argparse.Namespace) -> int:
    from survey_engine.errors import NotFound
    from survey_engine.results.stored_cells import forget_stored_cells

    settings = settings_from_env()

    async def forget(_: Any) -> int:
        return await forget_stored_cells(args.wave)

    try:
        forgotten = run_with_engine(settings, forget)
    except NotFound as exc:
        raise CliUsageError(f"--wave: no wave {args.wave}") from exc
    print(f"{forgotten} stored cell sets forgotten")
    return 0


def cmd_warm_cells(args: argparse.Namespace) -> int:
    from survey_engine.errors import InvalidInput, NotFound
    from survey_engine.results.cells_warming import WarmedSet, warm_cells

    extra = [tuple(c.strip() for c in value.split(",")) for value in args.by or []]
    settings = settings_from_env()

    def show(warmed: WarmedSet) -> None:
        print(f"by={','.join(warmed.by)}: {warmed.rows:,} responses in {warmed.seconds:.2f} s", flush=True)

    async def warm(_: Any) -> list[WarmedSet]:
        return await warm_cells(args.wave, extra, done=show)

    try:
        run_with_engine(settings, warm)
    except NotFound as exc:
        raise CliUsageError(f"--wave: no wave {args.wave}") from exc
    except InvalidInput as exc:
        raise CliUsageError("; ".join(f"--{p.field}: {p.message}" for p in exc.problems)) from exc
    return 0


# -- demo -------------------------------------------------------------------------------------------


def _load_credentials(settings: Settings) -> dict[str, Any]:
    path = settings.data_dir / "demo_credentials.json"
    if path.exists():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                return loaded
        except (OSError, ValueError):
            pass
    return {}


def _save_credentials(settings: Settings, stored: dict[str, Any]) -> None:
    """Owner-only file: it holds the demo's passwords and kiosk device tokens."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / "demo_credentials.json"
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(stored, handle, indent=2)
    os.replace(tmp, path)


def _demo_passwords(stored: dict[str, Any], emails: list[str]) -> dict[str, str]:
    """Random passwords, kept so that re-runs print the same ones."""
    passwords = stored.setdefault("passwords", {})
    for email in emails:
        if not isinstance(passwords.get(email), str) or len(passwords[email]) < 10:
            passwords[email] = secrets.token_urlsafe(12)
    return dict(passwords)


def cmd_demo(args: argparse.Namespace) -> int:
    from api.services import Services
    from survey_engine.demo import STAFF, ensure_demo_devices, seed_demo

    settings = settings_from_env()
    if args.responses < 0 or args.responses > 1_000_000:
        raise CliUsageError("--responses must be between 0 and 1000000")
    services = Services.build(settings)
    stored = _load_credentials(settings)
    passwords = _demo_passwords(stored, [email for email, _, _ in STAFF])

    async def job(_: Any) -> Any:
        result = await seed_demo(services.staff, passwords, seed=args.seed, responses=args.responses)
        devices = await ensure_demo_devices(dict(stored.get("kiosk_devices", {})))
        return result, devices

    result, devices = run_with_engine(settings, job)
    stored["kiosk_devices"] = devices
    _save_credentials(settings, stored)
    # The kiosk URL carries its tablet's device token in the fragment (never sent to the server).
    points = [
        {
            **p,
            "online_url": services.online_url(p["token"]),
            "kiosk_url": f"{services.kiosk_url(p['token'])}#device={devices[p['code']]}",
        }
        for p in result.service_points
    ]
    if args.json:
        print(
            json.dumps(
                {
                    "wave": result.wave,
                    "questionnaire": result.questionnaire,
                    "agencies": result.agencies,
                    "service_points": points,
                    "staff": result.staff,
                    "responses": result.responses,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    made = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in result.created.items() if v) or "nothing new"
    print(f"Demo province seeded ({made}); wave {result.wave} is open with {result.responses} responses.")
    print(f"\nStaff console: {settings.base_url}/staff   (phone interviewers: {settings.base_url}/i)")
    print(f"Staff API:     {settings.base_url}/api/v1/   (OpenAPI: {settings.base_url}/schema/openapi.json)")
    print("Staff accounts (sign in at /staff, or with POST /api/v1/auth/login for scripts):")
    for person in result.staff:
        print(f"  {person['role']:<13} {person['email']:<28} {person['password']}")
    print("\nService points:")
    for p in points[:6]:
        print(f"  {p['code']:<22} online form: {p['online_url']}")
        print(f"  {'':<22} kiosk:       {p['kiosk_url']}")
    if len(points) > 6:
        print(f"  … and {len(points) - 6} more (sipas demo --json lists them all)")
    return 0


def _host(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9.:\-\[\]]{1,253}", text):
        raise argparse.ArgumentTypeError(f"not a host name or address: {text!r}")
    return text


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from exc
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError("a port is between 1 and 65535")
    return value


def register(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the web application", description="Run the web application.")
    serve.add_argument("--host", type=_host, default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database administration", description="Database administration.")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", parser_class=sub._parser_class)
    db_sub.required = True
    mig = db_sub.add_parser("migrate", help="apply migrations (SQLite or PostgreSQL, by DATABASE_URL)")
    mig.set_defaults(func=cmd_migrate)
    forget = db_sub.add_parser(
        "forget-cells",
        help="delete the cell sums kept in the database (after editing responses by hand)",
        description="Delete the cell sums the estimates keep in the database (all, or one wave's): the "
        "next request reads the wave again. Needed only after responses or frame units were changed "
        "outside sipas; stop the servers first (a request already reading the wave could store its sums "
        "again).",
    )
    forget.add_argument("--wave", metavar="CODE", help="only this wave's")
    forget.set_defaults(func=cmd_forget_cells)
    warm = db_sub.add_parser(
        "warm-cells",
        help="read a wave's cell sums ahead of requests, for every domain column (after a bulk load)",
        description="Read the wave's self-selected series whole once per set of domain columns and store "
        "the cell sums, so that the first estimates request for each set, in any server process, reads "
        "only the responses appended since: every column a request may name alone (agency, channel, "
        "field and frame:<column> when the wave has a frame, item:<CODE>), and each --by set. Sets read "
        "whole more than a day ago are read again. Run it after a bulk load, or nightly. One line per set.",
    )
    warm.add_argument("--wave", metavar="CODE", required=True)
    warm.add_argument(
        "--by",
        metavar="COLS",
        action="append",
        help="another set of domain columns, comma-separated (e.g. field,frame:age_band); repeatable",
    )
    warm.set_defaults(func=cmd_warm_cells)

    demo = sub.add_parser(
        "demo",
        help="seed the demo province, staff, questionnaires, an open wave and simulated responses",
        description="Seed the demo (idempotent). Prints staff accounts and form URLs; --json for scripts.",
    )
    demo.add_argument("--seed", type=int, default=2026, help="random seed of the simulated responses")
    demo.add_argument(
        "--responses",
        type=int,
        default=2000,
        help="simulated responses in the demo wave (top-up; default 2000)",
    )
    demo.add_argument("--json", action="store_true", help="print one JSON document (see docs/interfaces.md)")
    demo.set_defaults(func=cmd_demo)
