"""``sipas report (--agency CODE | --all) --wave ID --out PATH [--lang vi|en]``: PDF scorecards.

``--agency`` writes one scorecard (``--out`` is a file, or a folder to put
``scorecard-{wave}-{agency}-{lang}.pdf`` in); ``--all`` writes every agency's scorecard of the wave and
the province summary into the folder ``--out``, rendering in parallel worker processes (``--workers``,
default: the number of CPUs). Every file is written atomically (beside the target, then renamed).
Progress goes to stderr: a bar when stderr is a terminal, else one line per file.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any, TextIO

from api.cli.errors import CliFailure, CliUsageError
from api.cli.files import bounded_int, write_atomically

LANGUAGES = ("vi", "en")
IN_FLIGHT_PER_WORKER = 8  # scorecards queued per worker while the next ones' data are built


# --- rendering in worker processes -------------------------------------------------------------------


def _init_worker() -> None:
    """Register fonts and build styles once per worker process, not once per document; keep freed
    memory for the next document (:mod:`api.process_memory`)."""
    from api.process_memory import keep_freed_memory
    from reports.fonts import register_fonts
    from reports.scorecard_layout import scorecard_styles

    keep_freed_memory()
    register_fonts()
    scorecard_styles()


def render_to_file(data: Any, lang: str, path: str, invariant: bool = False) -> tuple[str, int]:
    """Render one scorecard and write it atomically; returns (path, bytes). Runs in a worker process."""
    from reports.scorecard import render_scorecard

    content = render_scorecard(data, lang, invariant=invariant)  # type: ignore[arg-type]
    write_atomically(Path(path), content)
    return path, len(content)


class Progress:
    """A text progress bar on a terminal; one line per finished file otherwise."""

    def __init__(self, total: int, stream: TextIO | None = None, width: int = 30) -> None:
        self.total = total
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.started = time.perf_counter()

    def advance(self, path: str, size: int) -> None:
        self.done += 1
        if self.tty:
            filled = round(self.width * self.done / max(self.total, 1))
            bar = "#" * filled + "-" * (self.width - filled)
            rate = self.done / max(time.perf_counter() - self.started, 1e-9)
            self.stream.write(f"\r[{bar}] {self.done}/{self.total} ({rate:.0f}/s) {Path(path).name[:40]:<40}")
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(f"[{self.done}/{self.total}] wrote {path} ({size // 1024} KB)\n")
        self.stream.flush()


def render_summary_to_file(data: Any, lang: str, path: str) -> tuple[str, int]:
    """Render the province summary and write it atomically; returns (path, bytes). Runs in a worker."""
    from reports.province import render_province_summary

    content = render_province_summary(data, lang)  # type: ignore[arg-type]
    write_atomically(Path(path), content)
    return path, len(content)


def start_pool(workers: int) -> ProcessPoolExecutor:
    """The rendering processes, started (fonts registered) while the caller loads the wave's data."""
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker)
    for _ in range(workers):
        pool.submit(int)  # start every worker now, not at the first scorecard
    return pool


def render_batch(
    items: Iterable[tuple[Any, str]],
    lang: str,
    *,
    workers: int = 2,
    stream: TextIO | None = None,
    invariant: bool = False,
    total: int | None = None,
    pool: ProcessPoolExecutor | None = None,
) -> list[tuple[str, int]]:
    """Render ``(ScorecardData, path)`` pairs in ``workers`` processes, reporting progress on ``stream``.

    ``items`` may be lazy (then give ``total`` for the progress): the data of the next scorecards are
    built here while the workers render earlier ones, with a few per worker in flight (bounded memory).
    ``pool``: workers already started (:func:`start_pool`), left running for the caller.
    Files are written by the workers (atomically); a failure stops the batch and raises :class:`CliFailure`
    after the files already written are kept.
    """
    if total is None:
        items = list(items)
        total = len(items)
    progress = Progress(total, stream)
    results: list[tuple[str, int]] = []
    if pool is None and (workers <= 1 or total <= 1):
        _init_worker()
        for data, path in items:
            result = render_to_file(data, lang, path, invariant)
            results.append(result)
            progress.advance(*result)
        return results
    own = pool is None
    executor = (
        pool if pool is not None else ProcessPoolExecutor(max_workers=workers, initializer=_init_worker)
    )
    pending: set[Future[tuple[str, int]]] = set()

    def collect(block: bool) -> None:
        nonlocal pending
        done, pending = wait(pending, timeout=None if block else 0, return_when=FIRST_COMPLETED)
        for future in done:
            result = future.result()
            results.append(result)
            progress.advance(*result)

    try:
        for data, path in items:
            pending.add(executor.submit(render_to_file, data, lang, path, invariant))
            if len(pending) >= IN_FLIGHT_PER_WORKER * workers:
                collect(block=True)
        while pending:
            collect(block=True)
    except BaseException:
        for future in pending:
            future.cancel()
        raise
    finally:
        if own:
            executor.shutdown(cancel_futures=True)
    return results


# --- the command ---------------------------------------------------------------------------------------


def _target(out: Path, name: str) -> Path:
    """``--out`` as a folder (the standard name inside) or a file."""
    if out.is_dir() or str(out).endswith(os.sep):
        return out / name
    if out.suffix.lower() != ".pdf":
        raise CliUsageError(f"--out must be an existing folder or a file name ending in .pdf (got {out})")
    if not (out.parent if str(out.parent) else Path(".")).is_dir():
        raise CliUsageError(f"--out: the folder {out.parent} does not exist")
    return out


def cmd_report(args: argparse.Namespace) -> int:
    from api.cli.runtime import run_with_engine, settings_from_env
    from reports.province import province_filename
    from reports.scorecard import render_scorecard, scorecard_filename
    from survey_engine.actors import SYSTEM
    from survey_engine.errors import Conflict, NotFound

    out = Path(args.out)
    if args.all and not out.is_dir():
        raise CliUsageError(f"--out {out}: with --all, give an existing folder")
    settings = settings_from_env()
    from api.results.console_drivers import drivers_section
    from api.results.scorecard_build import scorecard_from_results, summary_from_report, wave_batch
    from survey_engine.results import agency_results, scorecards
    from survey_engine.results.agency_results import with_results
    from survey_engine.results.drivers import wave_drivers

    async def job(_: Any) -> Any:
        # The drivers section (what goes with overall satisfaction) reads the same series as the indices.
        if args.all:
            whole = await scorecards.wave_report(SYSTEM, args.wave)
            found = await wave_drivers(args.wave, whole.statistics.series, None)
            return whole, {a.code: drivers_section(found, a.code) for a in whole.agencies}
        one = await agency_results.scorecard_results(SYSTEM, args.wave, args.agency)
        series = one.report.statistics.series if one.report is not None else "self-selected"
        found = await wave_drivers(args.wave, series, [one.agency.code])
        return one, {one.agency.code: drivers_section(found, one.agency.code)}

    if not args.all:
        try:
            report, sections = run_with_engine(settings, job)
        except NotFound as exc:
            raise CliUsageError(str(exc)) from exc
        except Conflict as exc:
            raise CliFailure(str(exc)) from exc
        path = _target(out, scorecard_filename(args.wave, report.agency.code, args.lang))
        content = render_scorecard(
            scorecard_from_results(report, args.lang, sections[report.agency.code]), args.lang
        )
        write_atomically(path, content)
        print(f"wrote {path} ({len(content) // 1024} KB)")
        return 0
    # Every agency: the workers start (fonts, styles) while the wave is loaded; what all scorecards share
    # (estimates by agency, peers, the small-area fit) is computed once; each scorecard's data is built
    # while the workers render the previous ones; the province summary renders in a worker too.
    pool = start_pool(args.workers) if args.workers > 1 else None
    try:
        try:
            report, sections = run_with_engine(settings, job)
        except NotFound as exc:
            raise CliUsageError(str(exc)) from exc
        except Conflict as exc:
            raise CliFailure(str(exc)) from exc
        summary_path = out / province_filename(args.wave, args.lang)
        summary = summary_from_report(report, args.lang)
        summary_job = None
        if pool is not None:
            summary_job = pool.submit(render_summary_to_file, summary, args.lang, str(summary_path))
        batch = wave_batch(report)
        everyone = with_results(report)
        items = (
            (
                scorecard_from_results(r, args.lang, sections.get(r.agency.code), wave=batch),
                str(out / scorecard_filename(args.wave, r.agency.code, args.lang)),
            )
            for r in everyone
        )
        results = render_batch(items, args.lang, workers=args.workers, total=len(everyone), pool=pool)
        if summary_job is not None:
            summary_job.result()
        else:
            render_summary_to_file(summary, args.lang, str(summary_path))
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    print(f"wrote {len(results)} scorecards and {summary_path.name} to {out}")
    return 0


def register(sub: Any) -> None:
    report = sub.add_parser(
        "report",
        help="PDF scorecards of one agency or of every agency of a wave",
        description=(
            "Write an agency's A4 scorecard for a wave (--agency), or every agency's scorecard and the "
            "province summary (--all) into a folder. Files are named scorecard-{wave}-{agency}-{lang}.pdf "
            "and province-summary-{wave}-{lang}.pdf and written atomically."
        ),
    )
    which = report.add_mutually_exclusive_group(required=True)
    which.add_argument("--agency", metavar="CODE", help="one agency")
    which.add_argument(
        "--all", action="store_true", help="every agency of the wave, and the province summary"
    )
    report.add_argument("--wave", required=True, metavar="ID", help="wave code")
    report.add_argument("--out", required=True, metavar="PATH", help="a folder, or with --agency a FILE.pdf")
    report.add_argument("--lang", choices=LANGUAGES, default="vi", help="language of the report (default vi)")
    report.add_argument(
        "--workers",
        type=bounded_int(1, 64),
        default=max(1, os.cpu_count() or 1),
        help="worker processes for --all (default: the number of CPUs)",
    )
    report.set_defaults(func=cmd_report)
