"""``sipas frame import|letters``: sampling frames and invitation letters without the HTTP body limit.

``sipas frame import --wave W FILE [--name NAME]``
    Validate and store a frame file (CSV UTF-8 or XLSX) as ``POST /api/v1/waves/W/frame`` does, with no
    size limit. Every problem is printed (one line each, rows numbered as in the API) and nothing is stored.
``sipas frame letters --wave W FILE --out LETTERS.pdf [--service-point CODE]``
    Invitation letters for the wave's sampled dossiers found in FILE (the frame file again: the database
    keeps only hashes of dossier codes), one A4 page each.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from api.cli.errors import CliFailure, CliUsageError
from api.services import Services
from survey_engine.fieldwork.frames import FrameImport


def _read(path_text: str) -> bytes:
    path = Path(path_text)
    if not path.is_file():
        raise CliUsageError(f"no such file: {path}")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CliFailure(f"cannot read {path}: {exc}") from exc


def _report_invalid(exc: Any) -> CliUsageError:
    for problem in exc.problems:
        print(f"{problem.field}: {problem.message}", file=sys.stderr)
    return CliUsageError(exc.detail)


def cmd_frame_import(args: argparse.Namespace) -> int:
    from api.cli.runtime import run_with_engine, settings_from_env
    from survey_engine.actors import SYSTEM
    from survey_engine.errors import Conflict, InvalidInput, NotFound

    data = _read(args.file)
    settings = settings_from_env()

    async def job(_: Any) -> FrameImport:
        return await Services.build(settings).frames.import_frame(
            SYSTEM, args.wave, data, settings.secret_key, args.name or ""
        )

    try:
        result = run_with_engine(settings, job)
    except InvalidInput as exc:
        raise _report_invalid(exc) from exc
    except (NotFound, Conflict) as exc:
        raise CliUsageError(exc.detail) from exc
    agencies = ", ".join(f"{code} {n}" for code, n in result.agencies.items())
    print(f"imported {result.rows} dossiers into wave {args.wave} (frame {result.frame}): {agencies}")
    return 0


def cmd_frame_letters(args: argparse.Namespace) -> int:
    from api.cli.files import write_atomically
    from api.cli.runtime import run_with_engine, settings_from_env
    from reports.letters import LetterData, render_letters
    from survey_engine.actors import SYSTEM
    from survey_engine.errors import Conflict, InvalidInput, NotFound

    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        raise CliUsageError("--out must end in .pdf")
    data = _read(args.file)
    settings = settings_from_env()

    async def job(_: Any) -> Any:
        return await Services.build(settings).fieldwork.letters(
            SYSTEM, args.wave, data, settings.secret_key, settings.base_url, args.service_point
        )

    try:
        rows, missing = run_with_engine(settings, job)
    except InvalidInput as exc:
        raise _report_invalid(exc) from exc
    except (NotFound, Conflict) as exc:
        raise CliUsageError(exc.detail) from exc
    if not rows:
        raise CliUsageError("none of the sampled dossiers is in this file")
    write_atomically(out, render_letters([LetterData(**dataclasses.asdict(letter)) for letter in rows]))
    note = f"; {missing} sampled dossiers are not in the file" if missing else ""
    print(f"wrote {len(rows)} letters to {out}{note}")
    return 0


def register(sub: Any) -> None:
    frame = sub.add_parser(
        "frame",
        help="sampling frames: import a list of completed dossiers, print invitation letters",
        description="Import a wave's sampling frame (no size limit) and print invitation letters.",
    )
    actions = frame.add_subparsers(dest="action", metavar="ACTION", parser_class=sub._parser_class)
    actions.required = True
    imp = actions.add_parser(
        "import",
        help="validate and store a frame file (CSV UTF-8 or XLSX); all rows or none",
        description="Columns: dossier_code, agency, field, completed_on [, phone, sex, age_band, ethnicity, "
        "education, occupation, area]. Dates as 2026-03-31 or 31/03/2026.",
    )
    imp.add_argument("--wave", required=True, metavar="W", help="wave code")
    imp.add_argument("--name", default="", help="a name for this import")
    imp.add_argument("file", metavar="FILE", help="frame.csv or frame.xlsx")
    imp.set_defaults(func=cmd_frame_import)
    letters = actions.add_parser(
        "letters",
        help="invitation letters (PDF) for the sampled dossiers found in the frame file",
        description="One A4 page per sampled dossier with a QR code carrying its signed receipt.",
    )
    letters.add_argument("--wave", required=True, metavar="W", help="wave code")
    letters.add_argument("--out", required=True, metavar="FILE.pdf")
    letters.add_argument("--service-point", default=None, help="service point whose form the QR opens")
    letters.add_argument("file", metavar="FILE", help="the frame file (CSV or XLSX)")
    letters.set_defaults(func=cmd_frame_letters)
