"""``sipas publish --wave W --prepared-by EMAIL --approved-by EMAIL``: release results from the shell.

The command runs the same steps as the JSON API (prepare, approve, publish; or, once the wave is published,
a correction with ``--changelog-vi`` and ``--changelog-en``) and acts as two named staff accounts: the
statistician or administrator who prepares (``--prepared-by``) and a different administrator who approves
and publishes (``--approved-by``). The accounts must exist and be active; the audit log records them, as
if they had signed in. Nobody acts as "the system": the four-eyes rule holds on the command line too.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from api.cli.errors import CliUsageError


def cmd_publish(args: argparse.Namespace) -> int:
    from api.cli.runtime import run_with_engine, settings_from_env
    from api.services import Services
    from survey_engine.actors import Actor
    from survey_engine.errors import Conflict, Forbidden, InvalidInput, NotFound
    from survey_engine.publication.releases import ReleaseRecord

    settings = settings_from_env()
    if bool(args.changelog_vi) != bool(args.changelog_en):
        raise CliUsageError("a correction needs both --changelog-vi and --changelog-en")

    async def job(_: Any) -> ReleaseRecord:
        services = Services.build(settings)

        async def actor(email: str, option: str) -> Actor:
            try:
                account = await services.staff.get_user_by_email(email)
            except NotFound as exc:
                raise CliUsageError(f"{option}: no staff account {email}") from exc
            if not account.active:
                raise CliUsageError(f"{option}: the account {email} is deactivated")
            return await services.staff.actor_for_user(account.id)

        preparer = await actor(args.prepared_by, "--prepared-by")
        approver = await actor(args.approved_by, "--approved-by")
        releases = services.releases
        if args.changelog_vi:
            entry = {"vi": args.changelog_vi, "en": args.changelog_en}
            draft = await releases.correct(preparer, args.wave, entry)
        else:
            draft = await releases.prepare(preparer, args.wave)
        await releases.approve(approver, args.wave, draft.version)
        return await releases.publish(approver, args.wave, draft.version)

    try:
        record = run_with_engine(settings, job)
    except InvalidInput as exc:
        for problem in exc.problems:
            print(f"{problem.field}: {problem.message}", file=sys.stderr)
        raise CliUsageError(exc.detail) from exc
    except (NotFound, Conflict, Forbidden) as exc:
        raise CliUsageError(exc.detail) from exc
    if args.json:
        out = {
            "wave": record.wave,
            "version": record.version,
            "snapshot_hash": record.snapshot_hash,
            "prepared_by": record.prepared_by,
            "approved_by": record.approved_by,
            "published_at": record.published_at.isoformat() if record.published_at else None,
        }
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(
            f"published wave {record.wave} version {record.version} (sha256 {record.snapshot_hash}); "
            f"prepared by {record.prepared_by}, approved by {record.approved_by}"
        )
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "publish",
        help="release a wave's results to the public /results pages (prepare, approve, publish)",
        description=(
            "Prepare, approve and publish a closed wave's results, acting as two named staff accounts: "
            "--prepared-by (statistician or administrator) and --approved-by (another administrator, who "
            "also publishes). Once a wave is published, a new run is a correction and needs a public "
            "changelog entry in both languages. Every step is in the audit log under those accounts."
        ),
    )
    p.add_argument("--wave", required=True, help="wave code (the wave must be closed)")
    p.add_argument("--prepared-by", required=True, metavar="EMAIL", help="who prepares the release")
    p.add_argument("--approved-by", required=True, metavar="EMAIL", help="the administrator who approves it")
    p.add_argument("--changelog-vi", metavar="TEXT", help="a correction: what changed, in Vietnamese")
    p.add_argument("--changelog-en", metavar="TEXT", help="a correction: what changed, in English")
    p.add_argument("--json", action="store_true", help="print the published release as JSON")
    p.set_defaults(func=cmd_publish)
