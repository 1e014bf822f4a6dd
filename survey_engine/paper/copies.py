"""Print runs: a batch of copies of a wave's questionnaire, each with its own serial.

Two kinds of run:

``point``
    N copies for one service point of the wave (handed out at the counter, or posted to people the agency
    chooses). The copies count for that point's agency.
``sample``
    One copy per sampled unit of the wave that has none yet, for the point of its agency in the wave (the
    first active one by code, as the invitation letters choose). The copy keeps the unit's dossier hash, so
    the response keyed from it links to the unit and counts in the response rates like any other channel.
    Names and addresses for the post office come from a CSV file given at print time (``dossier_code``,
    ``name``, ``address``; lines of the address separated by ``|``), matched by the dossier's keyed hash
    and never stored.

Everything of a run is stored in one transaction (a batch row and its copies) or nothing is.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from survey_engine import audit, tenancy
from survey_engine.actors import Actor
from survey_engine.collection.receipts import dossier_hash
from survey_engine.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from survey_engine.fieldwork.frames import FieldworkWave, wave_row
from survey_engine.paper.layout import PaperLayout, paper_layout
from survey_engine.paper.serials import display_serial, new_serial
from survey_engine.questionnaire import Questionnaire, load_definition
from survey_engine.tables import (
    PaperBatch,
    PaperCopy,
    SampleUnit,
    ServicePoint,
    Wave,
    WaveAgency,
    WaveServicePoint,
)
from survey_engine.transactions import is_unique_violation, write_transaction

PRINTERS = ("admin", "statistician")
MAX_COPIES = 10_000
MAX_ADDRESS_FILE = 20 * 1024 * 1024


@dataclass(frozen=True)
class PrintedCopy:
    serial: str  # as printed: 4821-0937-553
    agency_name_vi: str
    address: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PrintRun:
    """A stored batch and what its PDF needs: the layout, the heading words and each copy."""

    wave: str
    batch: str
    source: str
    agency_name_vi: str
    service_point_name_vi: str
    wave_name_vi: str
    period_end: date
    layout: PaperLayout
    copies: list[PrintedCopy]
    without_address: int = 0


async def wave_questionnaire(wave_id: int) -> Questionnaire:
    row = (
        await Wave.select(Wave.questionnaire_version.definition.as_alias("definition"))
        .where(Wave.id == wave_id)
        .output(load_json=True)
        .first()
    )
    if row is None:
        raise NotFound("no such wave")
    definition = row["definition"]
    return load_definition(definition)


async def paper_wave(actor: Actor, code: str) -> FieldworkWave:
    """The wave, if it collects on paper and is not closed."""
    wave = await wave_row(code, actor)
    if "paper" not in (wave.channels or []):
        raise InvalidInput(
            f"wave {code} does not collect on paper",
            [FieldProblem("wave", "add the paper channel to the wave first", "invalid", "paper_channel")],
        )
    return wave


async def covered_points(wave_id: int) -> list[dict[str, Any]]:
    """The active service points that collect for the wave: its own list, else every point of its agencies
    that no wave lists explicitly (the rule the forms follow)."""
    columns = (
        ServicePoint.id,
        ServicePoint.code,
        ServicePoint.name_vi,
        ServicePoint.public_token,
        ServicePoint.agency.id.as_alias("agency_id"),
        ServicePoint.agency.code.as_alias("agency"),
        ServicePoint.agency.name_vi.as_alias("agency_name_vi"),
    )
    listed = await WaveServicePoint.select(WaveServicePoint.service_point).where(
        WaveServicePoint.wave == wave_id
    )
    if listed:
        ids = [r["service_point"] for r in listed]
        rows = await ServicePoint.select(*columns).where(
            ServicePoint.id.is_in(ids) & (ServicePoint.active == True)  # noqa: E712 - Piccolo SQL
        )
    else:
        agencies = [
            r["agency"] for r in await WaveAgency.select(WaveAgency.agency).where(WaveAgency.wave == wave_id)
        ]
        explicit = {r["service_point"] for r in await WaveServicePoint.select(WaveServicePoint.service_point)}
        rows = (
            await ServicePoint.select(*columns).where(
                ServicePoint.agency.is_in(agencies) & (ServicePoint.active == True)  # noqa: E712
            )
            if agencies
            else []
        )
        rows = [r for r in rows if r["id"] not in explicit]
    return sorted(rows, key=lambda r: r["code"])


def read_addresses(secret_key: str, data: bytes) -> dict[str, list[str]]:
    """Dossier hash → address lines from a CSV (``dossier_code``, ``name``, ``address``); InvalidInput
    naming every bad line. Nothing of it is stored."""
    if len(data) > MAX_ADDRESS_FILE:
        raise InvalidInput("the address file is too large", [FieldProblem("addresses", "at most 20 MB")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("the address file is not UTF-8", [FieldProblem("addresses", "not UTF-8")]) from exc
    dialect = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=dialect)
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("dossier_code", "name", "address") if c not in header]
    if missing:
        raise InvalidInput(
            "the address file lacks columns",
            [FieldProblem("addresses", f"missing column {c}", "required") for c in missing],
        )
    found: dict[str, list[str]] = {}
    problems: list[FieldProblem] = []
    for line, raw in enumerate(reader, start=2):
        row = {str(k).strip().lower(): str(v or "").strip() for k, v in raw.items() if k is not None}
        code, name, address = row.get("dossier_code", ""), row.get("name", ""), row.get("address", "")
        if not code or not name or not address:
            problems.append(
                FieldProblem(f"line {line}", "dossier_code, name and address are required", "required")
            )
            continue
        lines = [name, *(part.strip() for part in address.split("|") if part.strip())]
        if len(lines) > 5 or any(len(x) > 80 for x in lines):
            problems.append(
                FieldProblem(f"line {line}", "at most 4 address lines of 80 characters", "invalid")
            )
            continue
        found[dossier_hash(secret_key, code)] = lines
    if problems:
        raise InvalidInput("the address file is not valid; nothing was printed", problems)
    return found


@dataclass(frozen=True)
class PaperWave:
    """A wave that collects on paper, with its data-entry settings."""

    code: str
    name_vi: str
    name_en: str
    status: str
    double_entry: bool
    entry_by_agency: bool


class PrintRuns:
    """Stores print runs; see the module."""

    clock: Any

    async def paper_waves(self, actor: Actor) -> list[PaperWave]:
        """The waves that collect on paper and are not closed (an agency user: its agency's waves)."""
        rows = await tenancy.in_scope(
            Wave.select(
                Wave.id, Wave.code, Wave.name_vi, Wave.name_en, Wave.status, Wave.channels, Wave.settings
            )
            .where(Wave.status != "closed")
            .order_by(Wave.id, ascending=False)
            .output(load_json=True),
            actor,
            Wave.province,
        )
        if actor.agency_scoped:
            mine = {
                r["wave"]
                for r in await WaveAgency.select(WaveAgency.wave).where(WaveAgency.agency == actor.agency_id)
            }
            rows = [r for r in rows if r["id"] in mine]
        waves = []
        for r in rows:
            settings = r["settings"] if isinstance(r["settings"], dict) else {}
            if "paper" in (r["channels"] or []):
                waves.append(
                    PaperWave(
                        r["code"],
                        r["name_vi"],
                        r["name_en"],
                        r["status"],
                        bool(settings.get("paper_double_entry")),
                        bool(settings.get("paper_entry_by_agency")),
                    )
                )
        return waves

    async def print_points(self, actor: Actor, wave_code: str) -> list[tuple[str, str]]:
        """(code, Vietnamese name) of the service points a run of this wave may print for."""
        wave = await wave_row(wave_code, actor)
        return [(p["code"], p["name_vi"]) for p in await covered_points(wave.id)]

    async def print_run(
        self,
        actor: Actor,
        wave_code: str,
        *,
        point: str | None = None,
        copies: int = 1,
        sample: bool = False,
        addresses: bytes | None = None,
        secret_key: str = "",
    ) -> PrintRun:
        if actor.role not in PRINTERS:
            raise Forbidden("only administrators and statisticians print questionnaires")
        if (point is None) == (not sample):
            raise InvalidInput(
                "give a service point or the sample", [FieldProblem("point", "one of point, sample")]
            )
        wave = await paper_wave(actor, wave_code)
        if wave.status == "closed":
            raise Conflict(f"wave {wave_code} is closed", "closed")
        questionnaire = await wave_questionnaire(wave.id)
        points = await covered_points(wave.id)
        rows: list[dict[str, Any]]
        if point is not None:
            if not 1 <= copies <= MAX_COPIES:
                raise InvalidInput("too many copies", [FieldProblem("copies", f"between 1 and {MAX_COPIES}")])
            chosen = next((p for p in points if p["code"] == point), None)
            if chosen is None:
                raise InvalidInput(
                    "no copies were printed",
                    [
                        FieldProblem(
                            "point", f"{point} is not an active service point of wave {wave_code}", "unknown"
                        )
                    ],
                )
            rows = [{"point": chosen, "unit": None, "hash": None} for _ in range(copies)]
            heading_point: dict[str, Any] | None = chosen
        else:
            rows = await self._sample_rows(wave, points)
            heading_point = rows[0]["point"] if rows else None
        if not rows or heading_point is None:
            raise Conflict(f"every sampled unit of wave {wave_code} already has a printed copy")
        by_hash = read_addresses(secret_key, addresses) if addresses else {}
        for _ in range(3):  # a serial drawn twice (1 in 10^10 per pair) only costs a retry
            try:
                batch, serials = await self._store_run(actor, wave, point is not None, heading_point, rows)
                break
            except Exception as exc:
                if not is_unique_violation(exc):
                    raise
        else:  # pragma: no cover - three collisions in a row
            raise Conflict("could not draw unique serials; try again")
        printed = [
            PrintedCopy(display_serial(s), r["point"]["agency_name_vi"], by_hash.get(r["hash"] or "", []))
            for s, r in zip(serials, rows, strict=True)
        ]
        await audit.record(actor, "paper_print", "wave", wave_code, {"batch": batch, "copies": len(printed)})
        return PrintRun(
            wave=wave_code,
            batch=batch,
            source="point" if point is not None else "sample",
            agency_name_vi=heading_point["agency_name_vi"],
            service_point_name_vi=heading_point["name_vi"],
            wave_name_vi=wave.name_vi,
            period_end=wave.period_end,
            layout=paper_layout(questionnaire),
            copies=printed,
            without_address=sum(1 for c in printed if not c.address) if sample and addresses else 0,
        )

    async def _sample_rows(self, wave: FieldworkWave, points: list[dict[str, Any]]) -> list[dict[str, Any]]:
        units = (
            await SampleUnit.select(
                SampleUnit.id, SampleUnit.dossier_hash, SampleUnit.agency.code.as_alias("agency")
            )
            .where(SampleUnit.wave == wave.id)
            .order_by(SampleUnit.id)
        )
        if not units:
            raise Conflict(f"the sample of wave {wave.code} is not drawn yet")
        printed = {
            r["sample_unit"]
            for r in await PaperCopy.select(PaperCopy.sample_unit).where(
                (PaperCopy.wave == wave.id) & PaperCopy.sample_unit.is_not_null()
            )
        }
        by_agency: dict[str, dict[str, Any]] = {}
        for p in points:
            by_agency.setdefault(p["agency"], p)
        lacking = sorted({u["agency"] for u in units if u["agency"] not in by_agency})
        if lacking:
            raise InvalidInput(
                "no copies were printed",
                [
                    FieldProblem("point", f"agency {a} has no active service point in the wave", "required")
                    for a in lacking
                ],
            )
        return [
            {"point": by_agency[u["agency"]], "unit": u["id"], "hash": u["dossier_hash"]}
            for u in units
            if u["id"] not in printed
        ]

    async def _store_run(
        self,
        actor: Actor,
        wave: FieldworkWave,
        by_point: bool,
        point: dict[str, Any],
        rows: list[dict[str, Any]],
    ) -> tuple[str, list[str]]:
        now = self.clock()
        serials = [new_serial() for _ in rows]
        async with write_transaction(PaperBatch._meta.db):
            count = await PaperBatch.count().where(PaperBatch.wave == wave.id)
            code = f"B{count + 1:03d}"
            inserted = await PaperBatch.insert(
                PaperBatch(
                    wave=wave.id,
                    code=code,
                    source="point" if by_point else "sample",
                    service_point=point["id"] if by_point else None,
                    copies=len(rows),
                    created_at=now,
                    created_by=actor.user_id or None,
                )
            ).returning(PaperBatch.id)
            batch_id = inserted[0]["id"]
            for start in range(0, len(rows), 500):
                await PaperCopy.insert(
                    *(
                        PaperCopy(
                            serial=serial,
                            wave=wave.id,
                            batch=batch_id,
                            agency=row["point"]["agency_id"],
                            service_point=row["point"]["id"],
                            sample_unit=row["unit"],
                            dossier_hash=row["hash"],
                            status="printed",
                            entry="none",
                            created_at=now,
                        )
                        for serial, row in zip(
                            serials[start : start + 500], rows[start : start + 500], strict=True
                        )
                    )
                )
        return code, serials
