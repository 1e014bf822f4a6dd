"""``sipas national (--year Y [--questionnaire Q] | --waves W …)``: the national roll-up from the database.

Prints the national index and every province's index with its rank range (``--format text|json|csv``),
or writes the national summary PDF (``--pdf OUT.pdf``, ``--lang vi|en``), atomically. Runs as the system
account (national). Bad input is one line on stderr with exit 2 (docs/interfaces.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from api.cli.errors import CliFailure, CliUsageError
from api.cli.files import write_atomically

FORMATS = ("text", "json", "csv")
LANGUAGES = ("vi", "en")


def _number(x: float | None) -> str:
    return "—" if x is None or x != x else f"{x:.1f}"


def text_report(result: Any, lang: str) -> str:
    """The roll-up as aligned text in ``lang`` (words from the catalogues)."""
    from api.national.summary_build import round_words
    from api.web.i18n import translator
    from survey_engine.national.view import rank_text

    t = translator(lang)
    overall = result.overall
    lines = [
        f"{t('nat_title')}: {round_words(result, lang)} ({result.series}, {result.rows} responses, "
        f"{result.strata} strata, {result.psus} PSUs)",
    ]
    if result.inference == "descriptive":
        lines.append(t("nat_descriptive"))
    table = [[t("nat_rank"), t("nat_province"), "wave", "estimate", "ci", "n"]]
    for p in result.provinces:
        e = p.overall
        shown = e is not None and e.flag != "suppress"
        table.append(
            [
                rank_text(p),
                f"{p.code} {p.name_vi if lang == 'vi' else p.name_en}",
                p.wave,
                _number(e.estimate) if shown else "—",
                f"{_number(e.ci_low)}-{_number(e.ci_high)}" if shown else "",
                str(p.rows),
            ]
        )
    if overall is not None:
        table.append(
            [
                "",
                t("nat_national"),
                "",
                _number(overall.estimate),
                f"{_number(overall.ci_low)}-{_number(overall.ci_high)}",
                str(result.rows),
            ]
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for r in table:
        cells = [
            c.ljust(w) if i in (1, 2) else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    if result.missing:
        names = ", ".join(f"{c} {vi if lang == 'vi' else en}" for c, vi, en in result.missing)
        lines.append(t("nat_missing", provinces=names))
    return "\n".join(lines) + "\n"


def cmd_national(args: argparse.Namespace) -> int:
    from api.cli.runtime import run_with_engine, settings_from_env
    from survey_engine.actors import SYSTEM
    from survey_engine.errors import Conflict, InvalidInput
    from survey_engine.national.rollup import national_result

    if args.pdf is not None:
        target = Path(args.pdf)
        if target.suffix.lower() != ".pdf":
            raise CliUsageError(f"--pdf must name a file ending in .pdf (got {target})")
        if not (target.parent if str(target.parent) else Path(".")).is_dir():
            raise CliUsageError(f"--pdf: the folder {target.parent} does not exist")

    async def job(_: Any) -> Any:
        return await national_result(
            SYSTEM,
            waves=args.waves,
            year=args.year,
            questionnaire=args.questionnaire,
            series=args.series,
            level=args.level,
        )

    try:
        result = run_with_engine(settings_from_env(), job)
    except InvalidInput as exc:
        detail = "; ".join(f"{p.field}: {p.message}" for p in exc.problems) or str(exc)
        raise CliUsageError(detail) from exc
    except Conflict as exc:
        raise CliFailure(str(exc)) from exc
    if args.pdf is not None:
        from api.national.summary_build import national_pdf

        content = national_pdf(result, args.lang)
        write_atomically(Path(args.pdf), content)
        print(f"wrote {args.pdf} ({len(content) // 1024} KB)")
        return 0
    from survey_engine.national.view import national_csv, national_json

    if args.format == "json":
        sys.stdout.write(json.dumps(national_json(result), ensure_ascii=False, indent=2) + "\n")
    elif args.format == "csv":
        sys.stdout.write(national_csv(result))
    else:
        sys.stdout.write(text_report(result, args.lang))
    return 0


def _level(value: str) -> float:
    try:
        level = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0.5 < level < 1:
        raise argparse.ArgumentTypeError("must be between 0.5 and 1")
    return level


def register(sub: Any) -> None:
    national = sub.add_parser(
        "national",
        help="national index across provinces, each province's index and rank range, or the summary PDF",
        description=(
            "Stack one wave per province (--waves, or --year: each active province's latest closed wave "
            "ending in that year) into one design (strata = province x the wave's strata, PSUs nested, "
            "each province's own weights) and print the national index, each province's index and its "
            "rank range from pairwise tests (Bonferroni over all pairs); or write the national summary "
            "PDF with --pdf."
        ),
    )
    which = national.add_mutually_exclusive_group(required=True)
    which.add_argument("--year", type=int, metavar="Y", help="each province's latest closed wave of year Y")
    which.add_argument("--waves", nargs="+", metavar="W", help="the round's waves, one per province")
    national.add_argument(
        "--questionnaire", metavar="CODE", help="with --year: the questionnaire of the round"
    )
    national.add_argument(
        "--series",
        choices=("probability", "self-selected"),
        help="default: probability when every wave has weights, else self-selected (descriptive)",
    )
    national.add_argument("--level", type=_level, default=0.95, help="confidence level (default 0.95)")
    national.add_argument("--format", choices=FORMATS, default="text")
    national.add_argument("--pdf", metavar="OUT.pdf", help="write the national summary PDF instead")
    national.add_argument(
        "--lang", choices=LANGUAGES, default="vi", help="language of text and PDF (default vi)"
    )
    national.set_defaults(func=cmd_national)
