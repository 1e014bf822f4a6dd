"""``sipas apikey`` and ``sipas counter``: system API keys and counter-rating files from one-stop systems.

``sipas apikey add NAME (--agency CODE | --province [CODE])``
    Create a key for the system NAME; the key alone is printed on stdout (shown once: only its hash is kept).
    ``--province`` alone names the deployment's only province; with several, name it.
``sipas apikey list`` / ``sipas apikey revoke ID``
    The keys (id, prefix, scope, state, name, province), never the keys themselves; revoke one (at once).
``sipas counter import FILE.ndjson|FILE.csv [--agency CODE | --province CODE] [--json]``
    Import counter ratings exported from a one-stop system, as ``POST /api/v1/counter-ratings/bulk`` does
    but without its size limit. A summary goes to stdout, each rejected line to stderr; the exit status is
    0 when no line was rejected, 2 otherwise (the valid lines are stored either way, and importing the
    same file again only counts them as duplicates).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from api.cli.errors import CliFailure, CliUsageError
from api.services import Services


def cmd_apikey_add(args: argparse.Namespace) -> int:
    from api.cli.runtime import run_with_engine, settings_from_env
    from survey_engine.actors import SYSTEM
    from survey_engine.errors import InvalidInput

    settings = settings_from_env()

    async def job(_: Any) -> str:
        province = None if args.agency else (args.province or None)
        _, key = await Services.build(settings).api_keys.create(SYSTEM, args.name, args.agency, province)
        return key

    try:
        key = run_with_engine(settings, job)
    except InvalidInput as exc:
        problem = exc.problems[0] if exc.problems else None
        raise CliUsageError(f"{problem.field}: {problem.message}" if problem else exc.detail) from exc
    print(key)
    return 0


def cmd_apikey_list(_: argparse.Namespace) -> int:
    from api.cli.runtime import run_with_engine, settings_from_env

    settings = settings_from_env()

    async def job(_: Any) -> list[Any]:
        return await Services.build(settings).api_keys.list()

    for key in run_with_engine(settings, job):
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        # the province last: it came after the other columns, which keep their places
        province = key.province or "-"  # "-": no province (only in a database that has none)
        print(f"{key.id}\t{key.prefix}…\t{key.agency or 'province'}\t{state}\t{key.name}\t{province}")
    return 0


def cmd_apikey_revoke(args: argparse.Namespace) -> int:
    from api.cli.runtime import run_with_engine, settings_from_env
    from survey_engine.actors import SYSTEM
    from survey_engine.errors import NotFound

    settings = settings_from_env()

    async def job(_: Any) -> Any:
        return await Services.build(settings).api_keys.revoke(SYSTEM, args.id)

    try:
        key = run_with_engine(settings, job)
    except NotFound as exc:
        raise CliUsageError(exc.detail) from exc
    print(f"revoked API key {key.id} ({key.prefix}…, {key.name})")
    return 0


def cmd_counter_import(args: argparse.Namespace) -> int:
    from api.cli.runtime import run_with_engine, settings_from_env
    from survey_engine.actors import SYSTEM
    from survey_engine.integrations.counter_lines import csv_rows

    path = Path(args.file)
    suffix = path.suffix.lower()
    if suffix not in (".ndjson", ".jsonl", ".csv"):
        raise CliUsageError(f"FILE must end in .ndjson, .jsonl or .csv (got {path.name!r})")
    if not path.is_file():
        raise CliUsageError(f"no such file: {path}")
    settings = settings_from_env()

    async def job(_: Any) -> Any:
        services = Services.build(settings)
        scope = province = None
        if args.agency:
            scope = await services.counter_dashboard.agency_id(args.agency)
        elif args.province:
            province = await services.counter_dashboard.province_id(args.province)
        now = datetime.now(UTC)
        if suffix == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as handle:
                return await services.counter_import.import_lines(
                    scope, csv_rows(handle, now), SYSTEM, province
                )
        return await services.counter_import.import_ndjson_file(scope, path, SYSTEM, province)

    from survey_engine.errors import NotFound

    try:
        report = run_with_engine(settings, job)
    except NotFound as exc:
        raise CliUsageError(exc.detail) from exc
    except UnicodeDecodeError as exc:
        raise CliFailure(f"{path} is not UTF-8 text: {exc}") from exc
    if args.json:
        sys.stdout.write(msgspec.json.encode(report.as_json()).decode("utf-8") + "\n")
    else:
        for rejected in sorted(report.rejected, key=lambda r: r.number):
            for problem in rejected.problems:
                where = f"{problem.field}: " if problem.field else ""
                print(f"line {rejected.number}: {where}{problem.message}", file=sys.stderr)
        print(
            f"{report.lines} lines: {report.accepted} accepted, {report.duplicates} duplicates, "
            f"{len(report.rejected)} rejected"
        )
    return 2 if report.rejected else 0


def register(sub: Any) -> None:
    apikey = sub.add_parser(
        "apikey",
        help="system API keys for one-stop systems (add, list, revoke)",
        description="Create, list and revoke the API keys that one-stop systems send counter ratings with.",
    )
    actions = apikey.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="create a key; prints the key alone (shown once)")
    add.add_argument("name", metavar="NAME", help="the system, e.g. 'Hệ thống một cửa tỉnh'")
    scope = add.add_mutually_exclusive_group(required=True)
    scope.add_argument("--agency", metavar="CODE", help="the one agency the key may send ratings for")
    scope.add_argument(
        "--province",
        nargs="?",
        const="",
        metavar="CODE",
        help="every agency of the province CODE (alone: of the deployment's only province)",
    )
    add.set_defaults(func=cmd_apikey_add)
    listing = actions.add_parser("list", help="the keys: id, prefix, scope, state, name, province")
    listing.set_defaults(func=cmd_apikey_list)
    revoke = actions.add_parser("revoke", help="revoke a key (refused from the next request on)")
    revoke.add_argument("id", type=int, metavar="ID", help="the key's id (see `sipas apikey list`)")
    revoke.set_defaults(func=cmd_apikey_revoke)

    counter = sub.add_parser(
        "counter",
        help="counter ratings from one-stop systems (import)",
        description="Counter ratings exported from a one-stop system.",
    )
    counter_actions = counter.add_subparsers(dest="action", metavar="ACTION", required=True)
    imp = counter_actions.add_parser(
        "import",
        help="import FILE.ndjson or FILE.csv (exit 2 when some line was rejected)",
        description=(
            "Import counter ratings, one per NDJSON line (as POST /api/v1/counter-ratings/bulk) or CSV row "
            "(columns id, service_point, questionnaire, rated_at, dossier_code, officer and one per item). "
            "An NDJSON file of 8 MiB or more is parsed by worker processes (one per core but one) while "
            "this one stores; lines are decided in file order either way."
        ),
    )
    imp.add_argument("file", metavar="FILE", help="FILE.ndjson (or .jsonl) or FILE.csv, UTF-8")
    where = imp.add_mutually_exclusive_group()
    where.add_argument("--agency", metavar="CODE", help="accept lines of this agency's service points only")
    where.add_argument(
        "--province",
        metavar="CODE",
        help="accept lines of this province's service points only (neither option: every province)",
    )
    imp.add_argument("--json", action="store_true", help="print the report as the API's JSON answer")
    imp.set_defaults(func=cmd_counter_import)
