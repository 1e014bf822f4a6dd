"""Cell sums and channel counts kept in the database (table ``stored_cell_set``), so that every server
process, and a process started after a restart, begins from the sums the first whole read made instead of
reading the wave again (seconds on a million responses; :mod:`.series_cells` keeps them in memory too).

A stored set carries the data version it was read at (:class:`.data_version.DataVersion`, without the
database, which is the one it is stored in) and two counts taken just before the read: the wave's
responses with an id up to the version's last response, and its frame units with an id up to its last
frame unit. Responses and frame units are only ever added, so when those counts are unchanged no
transaction committed late below the ids read (PostgreSQL hands ids out before commit), however long ago
the set was read, and only what was appended after it is read (:func:`outside_memory`). The counts scan
the wave's ids on an index, a small part of a whole read. A stored set is used for at most
:data:`STORED_SECONDS` after its whole read, which bounds what no version sees (a hand edit of the
database), and is keyed by a digest of the code that makes the sums (:func:`code_digest`) and of the
questionnaire's coding (:func:`criteria_key`). The table is a cache: reading or writing it is best effort,
and any row may be deleted.

The arrays are stored with :func:`numpy.savez` (no pickles); domain labels and a service point column
holding ``None`` as JSON lists of distinct labels and integer codes into them.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import io
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import msgspec
import numpy as np
import numpy.typing as npt

from survey_engine import answer_codes
from survey_engine.answer_codes import CriteriaLayout
from survey_engine.errors import NotFound
from survey_engine.results import analysis_cells, analysis_domains, analysis_sql, kept_cells, series_channels
from survey_engine.results.data_version import DataVersion, appended_only
from survey_engine.results.kept_cells import KeptCells
from survey_engine.results.series_channels import AgencyChannelCount
from survey_engine.tables import StoredCellSet, Wave

__all__ = [
    "RESTORE_IDS",
    "STORED_SECONDS",
    "STORE_MIN_RESPONSES",
    "Counted",
    "Counter",
    "Place",
    "StoredSet",
    "code_digest",
    "columns_key",
    "counts_up_to",
    "criteria_key",
    "decode_cells",
    "decode_channels",
    "encode_cells",
    "encode_channels",
    "forget_older_sets",
    "forget_stored_cells",
    "load_payload",
    "load_stored",
    "outside_memory",
    "save_stored",
]

# A stored set is used for at most a week after its whole read (then read whole again, once): what no
# data version or count sees is a hand edit of the database, which `sipas db forget-cells` also clears.
STORED_SECONDS = 7 * 86_400.0

_ARRAYS = ("days", "psu", "top", "valid", "dont_know", "group_rows", "counts")


@dataclass(frozen=True)
class StoredSet:
    """A stored set as read back: its version (JSON, as :mod:`.series_cells` wrote it) and last response
    id, the counts taken with its read, the time of its whole read, and (when read) the encoded sums."""

    version: str
    last_response: int
    responses_up_to: int
    frame_units_up_to: int
    read_at: datetime
    payload: bytes = b""
    id: int = 0


def _labelled(values: npt.NDArray[Any]) -> tuple[list[Any], npt.NDArray[np.int32]]:
    """Distinct values in first-seen order (None, str or int: what the database's grouping returns) and
    each value's index among them."""
    index: dict[Any, int] = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in values.tolist()), np.int32, len(values))
    return list(index), codes


def _object_array(labels: list[Any], codes: npt.NDArray[Any]) -> npt.NDArray[Any]:
    table = np.empty(len(labels), dtype=object)
    table[:] = labels
    out: npt.NDArray[Any] = table[codes] if len(labels) else np.empty(0, dtype=object)
    out.flags.writeable = False
    return out


def encode_cells(kept: KeptCells) -> bytes:
    """The kept cells as bytes (:func:`decode_cells` reads them back equal)."""
    arrays: dict[str, npt.NDArray[Any]] = {"days": kept.days.astype(np.int64)}
    arrays.update({name: getattr(kept, name) for name in _ARRAYS if name != "days"})
    meta: dict[str, Any] = {"columns": list(kept.domains), "labels": []}
    for i, values in enumerate(kept.domains.values()):
        labels, arrays[f"domain_{i}"] = _labelled(values)
        meta["labels"].append(labels)
    if kept.points.dtype == object:
        meta["point_labels"], arrays["points"] = _labelled(kept.points)
    else:
        arrays["points"] = kept.points
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    out = io.BytesIO()
    np.savez(out, **arrays)  # type: ignore[arg-type]
    return out.getvalue()


def _readonly(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
    a.flags.writeable = False  # shared by every request that reads the kept cells
    return a


def decode_cells(payload: bytes) -> KeptCells:
    with np.load(io.BytesIO(payload), allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    meta = json.loads(arrays.pop("meta").tobytes())
    points = arrays.pop("points")
    return KeptCells(
        domains={
            c: _object_array(labels, arrays[f"domain_{i}"])
            for i, (c, labels) in enumerate(zip(meta["columns"], meta["labels"], strict=True))
        },
        points=_object_array(meta["point_labels"], points) if "point_labels" in meta else _readonly(points),
        days=_readonly(arrays["days"].astype("datetime64[D]")),
        **{name: _readonly(arrays[name]) for name in _ARRAYS if name != "days"},
    )


def encode_channels(counts: list[AgencyChannelCount]) -> bytes:
    return msgspec.json.encode(counts)


def decode_channels(payload: bytes) -> list[AgencyChannelCount]:
    return msgspec.json.decode(payload, type=list[AgencyChannelCount])


async def load_stored(wave_id: int, criteria: str, columns: str) -> StoredSet | None:
    """The stored set of the wave for these criteria and columns, if any, without its sums
    (:func:`load_payload` reads them once the set is known to be usable)."""
    row = (
        await StoredCellSet.select(
            StoredCellSet.id,
            StoredCellSet.version,
            StoredCellSet.last_response,
            StoredCellSet.responses_up_to,
            StoredCellSet.frame_units_up_to,
            StoredCellSet.read_at,
        )
        .where(
            (StoredCellSet.wave == wave_id)
            & (StoredCellSet.criteria == criteria)
            & (StoredCellSet.columns == columns)
        )
        .first()
    )
    if row is None:
        return None
    return StoredSet(
        row["version"],
        int(row["last_response"]),
        int(row["responses_up_to"]),
        int(row["frame_units_up_to"]),
        row["read_at"],
        id=int(row["id"]),
    )


async def load_payload(stored: StoredSet) -> bytes | None:
    """The encoded sums of a stored set (None when it was replaced meanwhile: another process stored a
    later read, whose counts were not checked)."""
    row = (
        await StoredCellSet.select(StoredCellSet.payload)
        .where((StoredCellSet.id == stored.id) & (StoredCellSet.version == stored.version))
        .first()
    )
    return None if row is None else bytes(row["payload"])


# At most this many sets per wave (the latest read ones): every distinct set of domain columns asked for
# stores one, and item columns combine freely.
SETS_PER_WAVE = 48


async def save_stored(wave_id: int, criteria: str, columns: str, stored: StoredSet) -> None:
    """Store the set of the wave for these criteria and columns, unless a set read up to a later response
    is stored already (one statement: two processes storing the same set at once leave one row). Sets of
    any wave older than :data:`STORED_SECONDS` go (none would be used again), and the wave's beyond the
    :data:`SETS_PER_WAVE` latest read."""
    await StoredCellSet.raw(
        "INSERT INTO stored_cell_set (wave, criteria, columns, version, last_response, responses_up_to, "
        "frame_units_up_to, read_at, payload) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}) "
        "ON CONFLICT (wave, criteria, columns) DO UPDATE SET version = excluded.version, "
        "last_response = excluded.last_response, responses_up_to = excluded.responses_up_to, "
        "frame_units_up_to = excluded.frame_units_up_to, read_at = excluded.read_at, "
        "payload = excluded.payload WHERE excluded.last_response >= stored_cell_set.last_response",
        wave_id,
        criteria,
        columns,
        stored.version,
        stored.last_response,
        stored.responses_up_to,
        stored.frame_units_up_to,
        stored.read_at,  # on SQLite as Piccolo writes times (its adapter): compared as text with them
        stored.payload,
    )
    await StoredCellSet.delete().where(
        StoredCellSet.read_at < stored.read_at - timedelta(seconds=STORED_SECONDS)
    )
    await StoredCellSet.raw(
        "DELETE FROM stored_cell_set WHERE wave = {} AND id NOT IN (SELECT id FROM stored_cell_set "
        "WHERE wave = {} ORDER BY read_at DESC, id DESC LIMIT {})",
        wave_id,
        wave_id,
        SETS_PER_WAVE,
    )


async def forget_stored_cells(wave_code: str | None = None) -> int:
    """Delete the stored sets of one wave (by code), or all: an operator's reset after editing the
    database by hand (``sipas db forget-cells``); tests. How many there were; NotFound for an unknown
    wave."""
    where: Any = StoredCellSet.id > 0
    if wave_code is not None:
        wave = await Wave.select(Wave.id).where(Wave.code == wave_code).first()
        if wave is None:
            raise NotFound(f"no wave {wave_code}")
        where = StoredCellSet.wave == wave["id"]
    found = await StoredCellSet.count().where(where)
    await StoredCellSet.delete().where(where)
    return int(found)


async def forget_older_sets(wave_id: int, seconds: float) -> None:
    """Delete the wave's stored sets read whole more than ``seconds`` ago."""
    cutoff = datetime.now(UTC) - timedelta(seconds=seconds)
    await StoredCellSet.delete().where((StoredCellSet.wave == wave_id) & (StoredCellSet.read_at < cutoff))


async def counts_up_to(
    wave_id: int, last_responses: tuple[int, ...], last_frame_unit: int
) -> tuple[tuple[int, ...], int]:
    """The wave's responses with an id up to each of ``last_responses``, and its frame units with an id up
    to ``last_frame_unit``, now (one statement: one snapshot)."""
    counts = [
        f"(SELECT COUNT(*) FROM submission WHERE wave = {{}} AND id <= {{}}) AS r{i}"  # noqa: S608 - bound
        for i in range(len(last_responses))
    ]
    query = (
        f"SELECT {', '.join(counts)}, "  # noqa: S608 - values bound
        "(SELECT COUNT(*) FROM frame_unit WHERE wave = {} AND id <= {}) AS f"
    )
    params = [p for last in last_responses for p in (wave_id, last)]
    row = (await StoredCellSet.raw(query, *params, wave_id, last_frame_unit))[0]
    return tuple(int(row[f"r{i}"]) for i in range(len(last_responses))), int(row["f"])


# -- using stored sets ------------------------------------------------------------------------------

LOG = logging.getLogger("sipas.cells")

# After a request that read at least this many appended ids on top of a stored set, the set is stored
# again with them, so later processes do not read the same rows again.
RESTORE_IDS = 50_000
# Sets read from fewer responses are not stored: reading such a wave again takes well under 0.1 s.
STORE_MIN_RESPONSES = 10_000
# The layout of the stored bytes; the key also holds a digest of the code that makes the sums
# (:func:`code_digest`), so sets stored by another release of sipas are never read.
CELLS_FORMAT = 1


def code_digest() -> str:
    """A digest of the source of the modules that make and store the sums: another release that changes
    how any sum is computed or stored never reads this release's sets (a deploy restarts the workers,
    which emptied the in-memory sums; stored ones outlive it)."""
    modules = (answer_codes, analysis_cells, analysis_domains, analysis_sql, kept_cells, series_channels)
    # series_cells (which reads the grouped rows) and data_version import this module: found, not imported.
    readers = (importlib.util.find_spec(f"{__package__}.{name}") for name in ("series_cells", "data_version"))
    paths = {*(str(m.__file__) for m in modules), *(str(spec.origin) for spec in readers if spec), __file__}
    digest = hashlib.sha256(f"format {CELLS_FORMAT}".encode())
    for path in sorted(paths):
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


_CODE_DIGEST = code_digest()


def criteria_key(layout: CriteriaLayout, groups: dict[str, list[str]]) -> str:
    """What the sums depend on besides the data: the code that makes them, the criteria with their coding
    and scores, the index rule and the groups, in their order."""
    text = repr(
        (_CODE_DIGEST, layout.criteria, layout.rule, layout.elements, layout.parts, list(groups.items()))
    )
    return hashlib.sha256(text.encode()).hexdigest()


def columns_key(kind: str, columns: Sequence[str]) -> str:
    """A stored set's ``columns``: the kind and the grouped columns, as a digest when too long for the
    column (many long item codes)."""
    text = "\n".join((kind, *columns))
    return text if len(text) <= 255 else f"{kind}:sha256:{hashlib.sha256(text.encode()).hexdigest()}"


class Place(NamedTuple):
    """Where a set is stored: the wave, its criteria (:func:`criteria_key`) and the columns' key."""

    wave: int
    criteria: str
    columns: str


# The wave's responses up to each of some ids and its frame units up to its last, counted now
# (:func:`counts_up_to`), once per request for the same ids (the cells and the channel counts).
Counter = Callable[[tuple[int, ...]], Awaitable[tuple[tuple[int, ...], int]]]


class Counted(NamedTuple):
    """The counts stored with a set and the time of its whole read."""

    responses: int
    frame_units: int
    read_at: datetime


def _version_text(version: DataVersion) -> str:
    return json.dumps([str(version.created), str(version.updated), *version[3:]])


def _stored_version(text: str, current: DataVersion) -> DataVersion:
    """A stored version, comparable with ``current``: the times are stored as text, so a time equal to
    ``current``'s as text is ``current``'s."""
    created, updated, *rest = json.loads(text)
    return DataVersion(
        current.database,
        current.created if created == str(current.created) else created,
        current.updated if updated == str(current.updated) else updated,
        *rest,
    )


async def _counted(version: DataVersion, count: Counter) -> Counted:
    (responses,), frame_units = await count((version.last_response or 0,))
    return Counted(responses, frame_units, datetime.now(UTC))


async def _save(place: Place, version: DataVersion, counted: Counted, value: Any, encode: Any) -> None:
    """Store ``value``, read up to ``version``'s last response, with ``counted``. The counts must have
    been taken before the read: a response committed late between the two is then in the sums but not
    in the counts, and the next load reads the wave again, where the other order would miss it for
    good. Best effort: the answer is already computed, so a failed write (a locked or read-only
    database, a table not migrated yet) is logged and the request goes on."""
    try:
        payload = b"" if value is None else await asyncio.to_thread(encode, value)
        stored = StoredSet(
            _version_text(version),
            version.last_response or 0,
            counted.responses,
            counted.frame_units,
            counted.read_at,
            payload,
        )
        await save_stored(place.wave, place.criteria, place.columns, stored)
    except Exception as exc:  # a cache: any failure only costs a later whole read
        # One line, not a traceback per request (a table not migrated yet would fill the log).
        LOG.warning("cell sums of wave %s not stored: %s: %s", place.wave, type(exc).__name__, exc)


async def _usable(place: Place, version: DataVersion, frame: bool) -> tuple[StoredSet, DataVersion] | None:
    """The stored set at ``place`` and its version, when ``version`` equals that or extends it by appended
    responses only and it is younger than :data:`STORED_SECONDS`."""
    stored = await load_stored(place.wave, place.criteria, place.columns)
    if stored is None or (datetime.now(UTC) - stored.read_at).total_seconds() >= STORED_SECONDS:
        return None
    old = _stored_version(stored.version, version)
    if not frame:  # sums that do not join the frame do not change with it
        old = old._replace(last_frame_unit=version.last_frame_unit)
    if old != version and not appended_only(old, version, frame):
        return None
    return stored, old


async def _from_database(
    place: Place, version: DataVersion, frame: bool, decode: Any, count: Counter
) -> tuple[Any, tuple[int, Counted | None]] | None:
    """The set stored at ``place`` when it is usable (:func:`_usable`) and nothing committed late below its
    ids (its counts are unchanged): (the value, (its last response id, the counts to store it again with
    once the responses after that id are added, when they are at least :data:`RESTORE_IDS`)); None
    otherwise, and when anything fails (a stored set that cannot be read is a set not stored)."""
    try:
        found = await _usable(place, version, frame)
        if found is None:
            return None
        stored, old = found
        after, last = old.last_response or 0, version.last_response or 0
        again = last - after >= RESTORE_IDS
        responses, frame_units = await count((after, last) if again else (after,))
        if responses[0] != stored.responses_up_to or (frame and frame_units != stored.frame_units_up_to):
            return None
        payload = await load_payload(stored)
        if payload is None:
            return None
        value = await asyncio.to_thread(decode, payload) if payload else None
    except Exception as exc:  # a cache: any failure only costs a whole read
        LOG.warning("stored cell sums of wave %s not read: %s: %s", place.wave, type(exc).__name__, exc)
        return None
    return value, (after, Counted(responses[-1], frame_units, stored.read_at) if again else None)


async def outside_memory(
    place: Place,
    version: DataVersion,
    frame: bool,
    codec: tuple[Callable[[Any], bytes], Callable[[bytes], Any]],
    read: Callable[[tuple[int, int]], Awaitable[Any]],
    extend: Callable[[Any, Any], Awaitable[Any]],
    count: Counter,
) -> Any:
    """A value not kept in memory: the set stored in the database with what was appended after it
    (:func:`_from_database`), or else a whole read (``read`` of an id range, ``extend`` of a value, None
    for none, with what was read); stored after a whole read of at least :data:`STORE_MIN_RESPONSES`
    responses, or :data:`RESTORE_IDS` appended ids."""
    last = version.last_response or 0
    found = await _from_database(place, version, frame, codec[1], count)
    if found is None:
        counted: Counted | None = await _counted(version, count)  # before the read: see :func:`_save`
        value = await extend(None, await read((0, last)))
        if counted is not None and counted.responses < STORE_MIN_RESPONSES:
            counted = None
    else:
        value, (after, counted) = found
        if after < last:
            value = await extend(value, await read((after, last)))
    if counted is not None:
        await _save(place, version, counted, value, codec[0])
    return value
