"""Cell sums and channel counts kept in the database (table ``stored_cell_set``), so that every server
process, and a process started after a restart, begins from the sums the first whole read made instead of
reading the wave again (seconds on a million responses; :mod:`.series_cells` keeps them in memory too).

A stored set carries the data version it was read at (:class:`.series_cells.DataVersion`, without the
database, which is the one it is stored in) and two counts taken in the same snapshot as the read: the
wave's responses with an id up to the version's last response, and its frame units with an id up to its
last frame unit. Responses and frame units are only ever added, so when those counts are unchanged no
transaction committed late below the ids read (PostgreSQL hands ids out before commit), however long ago
the set was read; :mod:`.series_cells` then reads only what was appended after it. The counts scan the
wave's ids on an index, a small part of a whole read. A stored set is used for at most
:data:`STORED_SECONDS` after its whole read, which bounds what no version sees (a hand edit of the
database).

The arrays are stored with :func:`numpy.savez` (no pickles); domain labels and a service point column
holding ``None`` as JSON lists of distinct labels and integer codes into them.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt

from survey_engine.errors import NotFound
from survey_engine.results.kept_cells import KeptCells
from survey_engine.results.series_channels import AgencyChannelCount
from survey_engine.tables import StoredCellSet, Wave

__all__ = [
    "STORED_SECONDS",
    "StoredSet",
    "counts_up_to",
    "decode_cells",
    "decode_channels",
    "encode_cells",
    "encode_channels",
    "forget_stored_cells",
    "load_stored",
    "save_stored",
]

# A stored set is used for at most a week after its whole read (then read whole again, once): what no
# data version or count sees is a hand edit of the database, which `sipas db forget-cells` also clears.
STORED_SECONDS = 7 * 86_400.0

_ARRAYS = ("days", "psu", "top", "valid", "dont_know", "group_rows", "counts")


@dataclass(frozen=True)
class StoredSet:
    """A stored set as read back: its version (JSON, as :mod:`.series_cells` wrote it), the counts taken
    with its read, the time of its whole read, and the encoded sums."""

    version: str
    responses_up_to: int
    frame_units_up_to: int
    read_at: datetime
    payload: bytes


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
    """The stored set of the wave for these criteria and columns, if any."""
    rows = await StoredCellSet.select(
        StoredCellSet.version,
        StoredCellSet.responses_up_to,
        StoredCellSet.frame_units_up_to,
        StoredCellSet.read_at,
        StoredCellSet.payload,
    ).where(
        (StoredCellSet.wave == wave_id)
        & (StoredCellSet.criteria == criteria)
        & (StoredCellSet.columns == columns)
    )
    if not rows:
        return None
    row = rows[0]
    read_at = row["read_at"]
    if isinstance(read_at, str):  # pragma: no cover - Piccolo converts SQLite's text already
        read_at = datetime.fromisoformat(read_at)
    return StoredSet(
        row["version"],
        int(row["responses_up_to"]),
        int(row["frame_units_up_to"]),
        read_at,
        bytes(row["payload"]),
    )


async def save_stored(wave_id: int, criteria: str, columns: str, stored: StoredSet) -> None:
    """Store (or replace) the set of the wave for these criteria and columns: one statement, so two
    processes storing the same set at once leave one row, the last one's. The wave's sets older than
    :data:`STORED_SECONDS` go (none would be used again; a set asked for again is stored anew), so the
    table holds only the sets asked for within that time."""
    await StoredCellSet.delete().where(
        (StoredCellSet.wave == wave_id)
        & (StoredCellSet.read_at < stored.read_at - timedelta(seconds=STORED_SECONDS))
    )
    params = (
        wave_id,
        criteria,
        columns,
        stored.version,
        stored.responses_up_to,
        stored.frame_units_up_to,
        stored.read_at,  # on SQLite as Piccolo writes times (its adapter): compared as text with them
        stored.payload,
    )
    await StoredCellSet.raw(
        "INSERT INTO stored_cell_set (wave, criteria, columns, version, responses_up_to, frame_units_up_to, "
        "read_at, payload) VALUES ({}, {}, {}, {}, {}, {}, {}, {}) ON CONFLICT (wave, criteria, columns) "
        "DO UPDATE SET version = excluded.version, responses_up_to = excluded.responses_up_to, "
        "frame_units_up_to = excluded.frame_units_up_to, read_at = excluded.read_at, "
        "payload = excluded.payload",
        *params,
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
