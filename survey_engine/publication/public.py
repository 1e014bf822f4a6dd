"""What the public may read: published versions only, straight from their frozen snapshots.

Nothing here estimates. A wave without a published version does not exist for the public (NotFound, the
pages answer 404), whatever its drafts hold. Snapshots are immutable once published, so a parsed one is
kept in memory by (wave, version) for as long as the process lives (bounded); the list of what is
published is re-read at most every ``ttl`` seconds, so a version published by another process (another
worker of ``sipas serve``, ``sipas publish``) shows up within that time, and at once in the process that
published it (:meth:`PublicResults.forget`). One request re-reads the list while the others go on with
the list they have (never a burst of identical queries when the time is up). ``generation`` changes
whenever what is published changes: whatever was made from the list (rendered pages) is valid while the
generation it was made under is current and the list is :meth:`PublicResults.fresh`.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from survey_engine.errors import NotFound
from survey_engine.tables import ResultRelease

__all__ = ["PublicResults", "PublishedVersion", "PublishedWave"]

SNAPSHOTS_KEPT = 64


@dataclass(frozen=True)
class PublishedVersion:
    version: int
    published_at: datetime
    snapshot_hash: str
    changelog_vi: str
    changelog_en: str


@dataclass(frozen=True)
class PublishedWave:
    """A wave with published results: its versions oldest first (the last is current) and, from the
    current snapshot, what a list shows."""

    code: str
    name_vi: str
    name_en: str
    period_start: str
    period_end: str
    questionnaire: str
    versions: tuple[PublishedVersion, ...]

    @property
    def current(self) -> PublishedVersion:
        return self.versions[-1]

    def version(self, number: int | None) -> PublishedVersion:
        if number is None:
            return self.current
        for v in self.versions:
            if v.version == number:
                return v
        raise NotFound(f"wave {self.code} has no published version {number}")


class PublicResults:
    """The published releases, for pages, open data and badges."""

    def __init__(self, ttl: float = 5.0, also_shows: Callable[[], Awaitable[str]] | None = None) -> None:
        self.ttl = ttl
        self.generation = 0
        # Something else the pages show (the map's successions), as a revision read with the list: when it
        # changes, so does the generation, and pages kept under the old one are made again.
        self._also_shows = also_shows
        self._also_revision: str | None = None
        self._waves: dict[str, PublishedWave] | None = None
        self._loaded_at = 0.0
        self._reading = False  # one re-read at a time; meanwhile the others use the list they have
        self._forgotten = 0  # forget() calls so far: a re-read that started before one is not trusted
        self._snapshots: OrderedDict[tuple[str, int], dict[str, Any]] = OrderedDict()

    def forget(self) -> None:
        """Re-read the list of published versions on the next request (after a publication)."""
        self._waves = None
        self._forgotten += 1
        self.generation += 1

    def fresh(self) -> bool:
        """The list is loaded and younger than ``ttl``: what was made under this generation is current."""
        return self._waves is not None and time.monotonic() - self._loaded_at < self.ttl

    async def waves(self) -> dict[str, PublishedWave]:
        """Every wave with a published version, by code, newest period first."""
        kept = self._waves
        if kept is not None and (self._reading or time.monotonic() - self._loaded_at < self.ttl):
            return kept
        forgotten = self._forgotten
        self._reading = True
        try:
            started = time.monotonic()
            waves = await self._read()
            also = await self._also_shows() if self._also_shows is not None else None
        finally:
            self._reading = False
        if forgotten != self._forgotten:  # forgotten meanwhile: this read may predate the publication
            if self._waves is None:
                return waves
            started = 0.0  # keep it, but read again on the next request
        if waves != self._waves or also != self._also_revision:
            self.generation += 1
        self._waves = waves
        self._also_revision = also
        self._loaded_at = started
        return waves

    async def _read(self) -> dict[str, PublishedWave]:
        rows = await (
            ResultRelease.select(
                ResultRelease.wave.code.as_alias("wave"),
                ResultRelease.version,
                ResultRelease.published_at,
                ResultRelease.snapshot_hash,
                ResultRelease.changelog_vi,
                ResultRelease.changelog_en,
                ResultRelease.wave.name_vi.as_alias("name_vi"),
                ResultRelease.wave.name_en.as_alias("name_en"),
                ResultRelease.wave.period_start.as_alias("period_start"),
                ResultRelease.wave.period_end.as_alias("period_end"),
                ResultRelease.wave._.questionnaire_version._.questionnaire.code.as_alias("questionnaire"),
            )
            .where(ResultRelease.status == "published")
            .order_by(ResultRelease.version)
        )
        grouped: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            grouped.setdefault(str(row["wave"]), []).append(row)
        waves = [
            PublishedWave(
                code=code,
                name_vi=str(group[0]["name_vi"]),
                name_en=str(group[0]["name_en"]),
                period_start=str(group[0]["period_start"])[:10],
                period_end=str(group[0]["period_end"])[:10],
                questionnaire=str(group[0]["questionnaire"]),
                versions=tuple(
                    PublishedVersion(
                        int(r["version"]),
                        r["published_at"],
                        str(r["snapshot_hash"]),
                        str(r["changelog_vi"] or ""),
                        str(r["changelog_en"] or ""),
                    )
                    for r in group
                ),
            )
            for code, group in grouped.items()
        ]
        waves.sort(key=lambda w: (w.period_end, w.code), reverse=True)
        return {w.code: w for w in waves}

    async def wave(self, code: str) -> PublishedWave:
        found = (await self.waves()).get(code)
        if found is None:
            raise NotFound(f"no published results for wave {code}")
        return found

    async def previous(self, wave: PublishedWave) -> PublishedWave | None:
        """The published wave before this one with the same questionnaire (the trend's reference)."""
        earlier = [
            w
            for w in (await self.waves()).values()
            if w.questionnaire == wave.questionnaire and w.period_end < wave.period_start
        ]
        return max(earlier, key=lambda w: (w.period_end, w.code), default=None)

    async def snapshot_text(self, code: str, version: int) -> str:
        """A published version's stored snapshot, byte for byte (the open-data JSON's ``results``)."""
        row = (
            await ResultRelease.select(ResultRelease.snapshot)
            .where(
                (ResultRelease.wave.code == code)
                & (ResultRelease.version == version)
                & (ResultRelease.status == "published")
            )
            .first()
        )
        if row is None:
            raise NotFound(f"no published version {version} of wave {code}")
        return str(row["snapshot"])

    async def snapshot(self, code: str, version: int) -> dict[str, Any]:
        """A published version's snapshot, parsed (kept: published versions never change)."""
        key = (code, version)
        kept = self._snapshots.get(key)
        if kept is not None:
            self._snapshots.move_to_end(key)
            return kept
        document: dict[str, Any] = json.loads(await self.snapshot_text(code, version))
        self._snapshots[key] = document
        while len(self._snapshots) > SNAPSHOTS_KEPT:
            self._snapshots.popitem(last=False)
        return document
