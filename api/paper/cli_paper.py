"""``sipas paper print|dispatch|return|status``: printed questionnaires and their dispatch and returns.

``sipas paper print --wave W (--point CODE [--copies N] | --sample [--addresses FILE.csv]) --out F.pdf``
    Store a print run (a batch of copies, each with its own serial) and write its PDF. ``--sample`` prints
    one copy per sampled unit that has none yet; the address file (``dossier_code``, ``name``,
    ``address``, address lines separated by ``|``) is read, matched by the dossiers' keyed hashes and
    never stored.
``sipas paper dispatch --wave W --batch B``
    The batch was handed to the post office: its copies become ``sent``.
``sipas paper return --wave W --status returned|undeliverable|refused SERIAL…``
    Record what came back (all the serials or none; ``-`` reads them from standard input, one a line).
``sipas paper status --wave W``
    Copies per batch and per agency by postal status and entry state.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from api.cli.errors import CliFailure, CliUsageError
from api.cli.files import bounded_int
from api.services import Services


def _run(job: Any) -> Any:
    from api.cli.runtime import run_with_engine, settings_from_env
    from survey_engine.errors import Conflict, Forbidden, InvalidInput, NotFound

    settings = settings_from_env()
    try:
        return run_with_engine(settings, lambda _: job(Services.build(settings), settings))
    except InvalidInput as exc:
        for problem in exc.problems:
            print(f"{problem.field}: {problem.message}", file=sys.stderr)
        raise CliUsageError(exc.detail) from exc
    except (NotFound, Conflict, Forbidden) as exc:
        raise CliUsageError(exc.detail) from exc


def cmd_paper_print(args: argparse.Namespace) -> int:
    from api.cli.files import write_atomically
    from api.paper.printing import run_pdf
    from survey_engine.actors import SYSTEM

    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        raise CliUsageError("--out must end in .pdf")
    if not out.parent.is_dir() and str(out.parent):
        raise CliUsageError(f"--out: the folder {out.parent} does not exist")
    if args.addresses and not args.sample:
        raise CliUsageError("--addresses goes with --sample")
    addresses = None
    if args.addresses:
        path = Path(args.addresses)
        if not path.is_file():
            raise CliUsageError(f"no such file: {path}")
        try:
            addresses = path.read_bytes()
        except OSError as exc:
            raise CliFailure(f"cannot read {path}: {exc}") from exc

    async def job(services: Services, settings: Any) -> Any:
        return await services.paper.print_run(
            SYSTEM,
            args.wave,
            point=args.point,
            copies=args.copies,
            sample=args.sample,
            addresses=addresses,
            secret_key=settings.secret_key,
        )

    run = _run(job)
    write_atomically(out, run_pdf(run))
    note = f"; {run.without_address} copies have no address in the file" if run.without_address else ""
    print(f"wrote {len(run.copies)} copies of batch {run.batch} to {out}{note}")
    return 0


def cmd_paper_dispatch(args: argparse.Namespace) -> int:
    from survey_engine.actors import SYSTEM

    async def job(services: Services, _: Any) -> int:
        return await services.paper.dispatch(SYSTEM, args.wave, args.batch)

    print(f"batch {args.batch}: {_run(job)} copies sent")
    return 0


def cmd_paper_return(args: argparse.Namespace) -> int:
    from survey_engine.actors import SYSTEM

    serials = list(args.serials)
    if serials == ["-"]:
        serials = [line.strip() for line in sys.stdin if line.strip()]

    async def job(services: Services, _: Any) -> int:
        return await services.paper.record_returns(SYSTEM, args.wave, serials, args.status)

    print(f"{_run(job)} copies recorded as {args.status}")
    return 0


def cmd_paper_status(args: argparse.Namespace) -> int:
    from survey_engine.actors import SYSTEM
    from survey_engine.paper.tracking import STATUSES

    async def job(services: Services, _: Any) -> Any:
        return await services.paper.paper_progress(SYSTEM, args.wave)

    progress = _run(job)
    header = ["", "copies", *STATUSES, "entered", "keyed once", "to reconcile", "return rate"]
    print("\t".join(header))

    def line(label: str, c: Any) -> str:
        rate = "" if c.return_rate is None else f"{c.return_rate:.1%}"
        values = [c.printed, *(c.statuses[s] for s in STATUSES), c.entered, c.keyed_once, c.to_reconcile]
        return "\t".join([label, *(str(v) for v in values), rate])

    print(line("all", progress.overall))
    for b in progress.batches:
        print(line(f"batch {b.batch}", b))
    for a in progress.agencies:
        print(line(f"agency {a.agency}", a))
    return 0


def register(sub: Any) -> None:
    paper = sub.add_parser(
        "paper",
        help="paper questionnaires: print copies with serials, record dispatch and returns",
        description="Printed questionnaires of a wave that collects on paper, their dispatch and returns.",
    )
    actions = paper.add_subparsers(dest="action", metavar="ACTION", parser_class=sub._parser_class)
    actions.required = True
    prt = actions.add_parser(
        "print",
        help="store a batch of copies (one serial each) and write its PDF",
        description="A4, Vietnamese, one copy per serial. --point prints N copies for a service point; "
        "--sample one copy per sampled unit without one, with the address block from --addresses.",
    )
    prt.add_argument("--wave", required=True, metavar="W", help="wave code")
    which = prt.add_mutually_exclusive_group(required=True)
    which.add_argument("--point", metavar="CODE", help="service point code")
    which.add_argument("--sample", action="store_true", help="one copy per sampled unit")
    prt.add_argument(
        "--copies", type=bounded_int(1, 10_000, "copies"), default=1, help="with --point (default 1)"
    )
    prt.add_argument(
        "--addresses", metavar="FILE.csv", help="with --sample: dossier_code,name,address (UTF-8)"
    )
    prt.add_argument("--out", required=True, metavar="F.pdf")
    prt.set_defaults(func=cmd_paper_print)
    dsp = actions.add_parser("dispatch", help="record that a batch went to the post office")
    dsp.add_argument("--wave", required=True, metavar="W")
    dsp.add_argument("--batch", required=True, metavar="B", help="batch code, e.g. B001")
    dsp.set_defaults(func=cmd_paper_dispatch)
    ret = actions.add_parser("return", help="record returned, undeliverable or refused copies")
    ret.add_argument("--wave", required=True, metavar="W")
    ret.add_argument("--status", required=True, choices=["returned", "undeliverable", "refused"])
    ret.add_argument(
        "serials", nargs="+", metavar="SERIAL", help="copy serials, or - to read them from stdin"
    )
    ret.set_defaults(func=cmd_paper_return)
    sts = actions.add_parser("status", help="copies per batch and agency by status")
    sts.add_argument("--wave", required=True, metavar="W")
    sts.set_defaults(func=cmd_paper_status)
