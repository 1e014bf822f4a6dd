"""``sipas units``: load the administrative map from CSV files (units, and which unit became which).

``sipas units import FILE.csv``
    Create or update administrative units (columns code, unit_version, level, name_vi, name_en,
    parent_code, valid_from, valid_to, population).
``sipas units successions import FILE.csv``
    Predecessor → successor rows (columns predecessor_version, predecessor_code, successor_version,
    successor_code, population_share).
``sipas units agency-successions import FILE.csv``
    Which agency of the later map continues which of the older one (columns predecessor, successor,
    population_share): a province's departments, several on one unit.

Both are all or nothing: the first problem refuses the whole file with one line on stderr naming the
line of the file and the problem (exit 2), and nothing is written.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from api.cli.errors import CliFailure, CliUsageError


def _lines(path: Path) -> list[str]:
    if path.suffix.lower() != ".csv":
        raise CliUsageError(f"FILE must end in .csv (got {path.name!r})")
    if not path.is_file():
        raise CliUsageError(f"no such file: {path}")
    try:
        return path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise CliUsageError(f"{path} is not UTF-8 text") from exc


def _run(args: argparse.Namespace, kind: str) -> int:
    from api.cli.runtime import run_with_engine, settings_from_env
    from api.services import Services
    from survey_engine.errors import InvalidInput

    path = Path(args.file)
    lines = _lines(path)
    settings = settings_from_env()

    async def job(_: Any) -> str:
        services = Services.build(settings)
        service = services.map_changes
        if kind == "agencies":
            from survey_engine.actors import SYSTEM

            found = await services.agency_successions.import_lines(SYSTEM, lines)
            return (
                f"{found.rows} agency successions of {found.successors} successor agencies imported"
                f" ({found.replaced} stored rows replaced)"
            )
        if kind == "units":
            units = await service.import_units(lines)
            return f"{units.created} units created, {units.updated} updated"
        rows = await service.import_successions(lines)
        return (
            f"{rows.rows} successions of {rows.predecessors} predecessor units imported"
            f" ({rows.replaced} stored rows replaced)"
        )

    try:
        print(run_with_engine(settings, job))
    except InvalidInput as exc:
        raise CliUsageError(f"{path.name}: {exc.detail}") from exc
    except OSError as exc:
        raise CliFailure(str(exc)) from exc
    return 0


def cmd_units_import(args: argparse.Namespace) -> int:
    return _run(args, "units")


def cmd_successions_import(args: argparse.Namespace) -> int:
    return _run(args, "successions")


def cmd_agency_successions_import(args: argparse.Namespace) -> int:
    return _run(args, "agencies")


def register(sub: Any) -> None:
    units = sub.add_parser(
        "units",
        help="administrative units and the 2025 map changes (import)",
        description=(
            "Load the administrative map: units of each map version and which unit became which "
            "(merges and splits, with population shares). Files are refused whole at the first problem."
        ),
    )
    actions = units.add_subparsers(dest="action", metavar="ACTION", required=True)
    imp = actions.add_parser(
        "import",
        help="create or update units from FILE.csv",
        description=(
            "Columns: code, unit_version, level (province|district|commune), name_vi, name_en, parent_code "
            "(empty for a province), valid_from, valid_to (YYYY-MM-DD, valid_to may be empty), population "
            "(may be empty; needed for units that merge). A unit already stored (same code and version) is "
            "updated."
        ),
    )
    imp.add_argument("file", metavar="FILE", help="FILE.csv, UTF-8, header line first")
    imp.set_defaults(func=cmd_units_import)
    successions = actions.add_parser(
        "successions",
        help="predecessor → successor units (merges and splits)",
        description="Which unit of an older map version became which unit of a later one.",
    )
    succession_actions = successions.add_subparsers(dest="succession_action", metavar="ACTION", required=True)
    sim = succession_actions.add_parser(
        "import",
        help="import successions from FILE.csv (replaces the file's predecessors' rows)",
        description=(
            "Columns: predecessor_version, predecessor_code, successor_version, successor_code, "
            "population_share (the part of the predecessor's population that went to the successor). The "
            "shares of one predecessor into one version must sum to 1 (within 0.005); both units must be "
            "stored; the successor must start after the predecessor; the versions must form no cycle; a "
            "successor that several predecessors merge into needs each predecessor's population. For each "
            "predecessor and version in the file, the stored rows are replaced by the file's."
        ),
    )
    sim.add_argument("file", metavar="FILE", help="FILE.csv, UTF-8, header line first")
    sim.set_defaults(func=cmd_successions_import)
    agencies = actions.add_parser(
        "agency-successions",
        help="which agency of the later map continues which (a province's departments)",
        description=(
            "Which agency of a later map version continues which agency of an older one. Needed where "
            "several agencies sit on one unit (a province's departments), since the unit successions "
            "cannot say which department continues which."
        ),
    )
    agency_actions = agencies.add_subparsers(dest="agency_action", metavar="ACTION", required=True)
    aim = agency_actions.add_parser(
        "import",
        help="import agency successions from FILE.csv (replaces the file's successors' predecessors)",
        description=(
            "Columns: predecessor, successor (agency codes), population_share (the part of the "
            "predecessor's population the successor now serves; empty for 1). Both agencies must be "
            "stored and on administrative units, the successor's on a later map version; a predecessor's "
            "shares into all its successors must sum to at most 1 (within 0.005); a successor with several "
            "predecessors needs each one's unit population. For each successor in the file, its stored "
            "predecessors are replaced by the file's."
        ),
    )
    aim.add_argument("file", metavar="FILE", help="FILE.csv, UTF-8, header line first")
    aim.set_defaults(func=cmd_agency_successions_import)
