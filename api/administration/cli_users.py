"""``sipas user add``: create a staff account from the command line (the first administrator, say)."""

from __future__ import annotations

import argparse
import secrets
import sys
from typing import Any

from api.cli.errors import CliUsageError
from api.cli.runtime import run_with_engine, settings_from_env


def cmd_user_add(args: argparse.Namespace) -> int:
    from api.services import Services
    from survey_engine.actors import SYSTEM
    from survey_engine.administration.staff import StaffAccount
    from survey_engine.errors import Conflict, InvalidInput

    settings = settings_from_env()
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
        generated = False
    else:
        password = secrets.token_urlsafe(12)
        generated = True
    services = Services.build(settings)

    async def job(_: Any) -> StaffAccount:
        return await services.staff.create_user(
            SYSTEM, args.email, password, args.role, args.agency, province_code=args.province
        )

    try:
        user = run_with_engine(settings, job)
    except InvalidInput as exc:
        details = "; ".join(f"{p.field} {p.message}" for p in exc.problems)
        raise CliUsageError(f"{exc.detail}: {details}" if details else exc.detail) from exc
    except Conflict as exc:
        raise CliUsageError(exc.detail) from exc
    where = (f" for agency {user.agency}" if user.agency else "") + (
        f" in province {user.province}" if user.province else " (national)"
    )
    print(f"created {user.role} account {user.email}{where}")
    if generated:
        print(f"password: {password}")
    return 0


def register(sub: Any) -> None:
    user = sub.add_parser("user", help="staff accounts", description="Staff accounts.")
    user_sub = user.add_subparsers(dest="user_command", metavar="ACTION", parser_class=sub._parser_class)
    user_sub.required = True
    add = user_sub.add_parser("add", help="create a staff account (prints a generated password)")
    add.add_argument("email")
    add.add_argument(
        "--role",
        required=True,
        choices=["admin", "statistician", "agency", "interviewer", "data_entry", "ministry"],
        help="ministry: national, read-only, every province",
    )
    add.add_argument("--agency", help="agency code (required for --role agency; optional for data_entry)")
    add.add_argument(
        "--province",
        help="the account's province code (none: a national administrator or the ministry; other roles "
        "default to their agency's province, or the only province)",
    )
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(func=cmd_user_add)
