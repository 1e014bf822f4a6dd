"""``sipas province add|list``: the deployment's tenant provinces from the command line (run as the
deployment's administrator)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from api.cli.errors import CliUsageError
from api.cli.runtime import run_with_engine, settings_from_env


def cmd_province_add(args: argparse.Namespace) -> int:
    from api.services import Services
    from survey_engine.actors import SYSTEM
    from survey_engine.administration.provinces import ProvinceRecord
    from survey_engine.errors import Conflict, InvalidInput

    settings = settings_from_env()
    services = Services.build(settings)
    values = {"code": args.code, "name_vi": args.name_vi, "name_en": args.name_en, "unit_code": args.unit}

    async def job(_: Any) -> ProvinceRecord:
        return await services.provinces.create(SYSTEM, values)

    try:
        province = run_with_engine(settings, job)
    except InvalidInput as exc:
        details = "; ".join(f"{p.field} {p.message}" for p in exc.problems)
        raise CliUsageError(f"{exc.detail}: {details}" if details else exc.detail) from exc
    except Conflict as exc:
        raise CliUsageError(exc.detail) from exc
    unit = f" (unit {province.unit_code})" if province.unit_code else ""
    print(f"created province {province.code}: {province.name_vi}{unit}")
    return 0


def cmd_province_list(args: argparse.Namespace) -> int:
    from api.services import Services
    from survey_engine.actors import SYSTEM
    from survey_engine.errors import Page

    settings = settings_from_env()
    services = Services.build(settings)

    async def job(_: Any) -> Page:
        return await services.provinces.list(SYSTEM, limit=1000, offset=0)

    listed = run_with_engine(settings, job)
    if args.json:
        rows = [{**row, "created_at": str(row["created_at"])} for row in listed.items]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for row in listed.items:
        state = "" if row["active"] else " (inactive)"
        print(
            f"{row['code']}\t{row['name_vi']}\t{row['name_en']}\t{row['unit_code'] or '-'}\t"
            f"{row['agencies']} agencies, {row['waves']} waves, {row['accounts']} accounts{state}"
        )
    return 0


def register(sub: Any) -> None:
    province = sub.add_parser(
        "province",
        help="tenant provinces of the deployment",
        description="Provinces as tenants: every agency, wave and province account belongs to one.",
    )
    actions = province.add_subparsers(
        dest="province_command", metavar="ACTION", parser_class=sub._parser_class
    )
    actions.required = True
    add = actions.add_parser("add", help="add a province")
    add.add_argument("code", help="the province's code (letters, digits, . _ -)")
    add.add_argument("--name-vi", required=True, help="Vietnamese name")
    add.add_argument("--name-en", required=True, help="English name")
    add.add_argument("--unit", help="code of its province-level administrative unit on the current map")
    add.set_defaults(func=cmd_province_add)
    listing = actions.add_parser("list", help="list the provinces with their agencies, waves and accounts")
    listing.add_argument("--json", action="store_true", help="print one JSON document")
    listing.set_defaults(func=cmd_province_list)
