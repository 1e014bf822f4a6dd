"""``sipas export``: a wave's microdata as CSV, Parquet or XLSX."""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from api.cli.errors import CliUsageError
from api.cli.runtime import run_with_engine, settings_from_env
from survey_engine.results.export import CODEBOOK_COLUMNS, CodebookEntry
from survey_engine.results.spreadsheet import csv_cells, xlsx_cells

FORMATS = ("csv", "parquet", "xlsx")


def _text(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


async def write_export(wave: str, fmt: str, target: Path) -> int:
    from survey_engine.errors import NotFound
    from survey_engine.results.export import describe_wave, export_rows

    try:
        export = await describe_wave(wave)
    except NotFound as exc:
        raise CliUsageError(exc.detail) from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".export-", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    count = 0
    try:
        if fmt == "csv":
            with tmp.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(csv_cells(export.columns))
                async for row in export_rows(export):
                    writer.writerow(csv_cells(row))
                    count += 1
        elif fmt == "xlsx":
            from openpyxl import Workbook

            book = Workbook(write_only=True)
            sheet = book.create_sheet("data")
            sheet.append(xlsx_cells(sheet, export.columns))
            async for row in export_rows(export):
                sheet.append(xlsx_cells(sheet, row))
                count += 1
            codebook = book.create_sheet("codebook")
            codebook.append(xlsx_cells(codebook, CODEBOOK_COLUMNS))
            for entry in export.codebook():
                codebook.append(xlsx_cells(codebook, entry.cells()))
            book.save(tmp)
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            # Parquet is typed data that no spreadsheet evaluates: the stored text goes in unchanged.
            rows = [[_text(v) for v in row] async for row in export_rows(export)]
            count = len(rows)
            columns: list[Sequence[Any]] = (
                list(zip(*rows, strict=True)) if rows else [[] for _ in export.columns]
            )
            integer_columns = {"questionnaire_version", "duration_seconds"} | {
                name
                for name, kind in export.item_types.items()
                if kind in ("likert5", "likert4", "rating3", "yesno")
            }
            arrays = [
                pa.array(list(values), type=pa.int64() if name in integer_columns else None)
                for name, values in zip(export.columns, columns, strict=True)
            ]
            pq.write_table(pa.table(arrays, names=export.columns), tmp)
        if fmt == "xlsx":
            os.replace(tmp, target)
        else:
            codebook_target = codebook_path(target)
            _write_codebook_csv(export.codebook(), codebook_target)
            os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return count


def codebook_path(target: Path) -> Path:
    """``answers.csv`` → ``answers.codebook.csv`` (the codebook of CSV and Parquet exports)."""
    return target.with_name(f"{target.stem}.codebook.csv")


def _write_codebook_csv(rows: list[CodebookEntry], target: Path) -> None:
    tmp = target.with_name(f".{target.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(csv_cells(CODEBOOK_COLUMNS))
        writer.writerows(csv_cells(row.cells()) for row in rows)
    os.replace(tmp, target)


def cmd_export(args: argparse.Namespace) -> int:
    settings = settings_from_env()
    target = Path(args.out)
    fmt = args.format
    if target.is_dir():
        raise CliUsageError(f"--out {target} is a directory; give a file name")

    async def job(_: Any) -> int:
        return await write_export(args.wave, fmt, target)

    count = run_with_engine(settings, job)
    where = "sheet 'codebook'" if fmt == "xlsx" else str(codebook_path(target))
    print(f"wrote {count} responses of wave {args.wave} to {target} ({fmt}); codebook: {where}")
    return 0


def register(sub: Any) -> None:
    export = sub.add_parser(
        "export",
        help="a wave's responses as CSV, Parquet or XLSX (one row per stored submission)",
        description="Export a wave's microdata: one row per stored submission, one column per item, with "
        "design variables and weights (series, stratum, psu, weight, base_weight, fpc) and a codebook in "
        "Vietnamese and English (FILE.codebook.csv, or a 'codebook' sheet in XLSX). Never includes phone "
        "numbers, dossier codes or devices. In CSV and XLSX, text that a spreadsheet would run as a formula "
        "(=, +, -, @ first) gets a leading apostrophe and control characters are removed; Parquet keeps the "
        "stored text.",
    )
    export.add_argument("--wave", required=True, help="wave code, e.g. AB-2026")
    export.add_argument("--format", choices=FORMATS, default="csv")
    export.add_argument("--out", required=True, help="file to write (replaced atomically)")
    export.set_defaults(func=cmd_export)
