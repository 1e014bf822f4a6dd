"""Releases of a wave's results: a statistician prepares, an administrator approves and publishes.

The steps, each one audit-logged (``release.prepare``, ``release.approve``, ``release.publish``):

* **prepare** (statistician or administrator): estimates the closed wave once
  (:func:`survey_engine.results.scorecards.report_data`), freezes the result as a snapshot
  (:mod:`survey_engine.publication.snapshot`) with its SHA-256 and the data version it came from, and
  stores it as the wave's next version, status ``draft``. Preparing again before approval replaces the
  draft (same version). The first version needs no changelog; later ones are corrections.
* **correct**: prepare a new version of a wave that is already published; a changelog entry in both
  languages is required, because it is shown to the public beside the new figures.
* **approve** (administrator, never the person who prepared it): the approver vouches for exactly the
  stored snapshot (its hash is recorded in the audit log).
* **publish** (administrator): the approved version becomes public; from then on its row is never changed
  again. Earlier published versions stay readable at their own addresses.

Whoever acts is an :class:`~survey_engine.actors.Actor`: a signed-in account on the JSON API, the named
accounts on the command line (``sipas publish``). Results of a wave that is still open are never
released (they would change under the reader).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from piccolo.columns import Column
from piccolo.query.functions.aggregate import Count, Max

from survey_engine import audit, tenancy
from survey_engine.actors import Actor
from survey_engine.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from survey_engine.publication.snapshot import build_snapshot, canonical, snapshot_hash
from survey_engine.results.scorecards import report_data
from survey_engine.tables import FrameUnit, ResultRelease, Submission, Wave, WeightRun
from survey_engine.transactions import is_unique_violation, write_transaction
from survey_engine.wave_context import load_wave
from survey_engine.webhooks.wave_events import enqueue_results_published

__all__ = ["MAX_CHANGELOG", "ReleaseRecord", "ReleaseService", "ResultsPublished", "data_version"]

MAX_CHANGELOG = 2000
LOG = logging.getLogger(__name__)
PREPARERS = ("admin", "statistician")
APPROVERS = ("admin",)

RELEASE_COLUMNS = (
    ResultRelease.id,
    ResultRelease.wave.code.as_alias("wave"),
    ResultRelease.version,
    ResultRelease.status,
    ResultRelease.snapshot_hash,
    ResultRelease.data_version,
    ResultRelease.changelog_vi,
    ResultRelease.changelog_en,
    ResultRelease.prepared_by,
    ResultRelease.prepared_by_email,
    ResultRelease.prepared_at,
    ResultRelease.approved_by,
    ResultRelease.approved_by_email,
    ResultRelease.approved_at,
    ResultRelease.published_by_email,
    ResultRelease.published_at,
)


@dataclass(frozen=True)
class ReleaseRecord:
    """One version of a wave's released results, as staff see it (the snapshot itself is read apart)."""

    wave: str
    version: int
    status: str  # draft | approved | published
    snapshot_hash: str
    data_version: str
    changelog_vi: str
    changelog_en: str
    prepared_by: str
    prepared_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    published_by: str | None
    published_at: datetime | None


# What runs once a version is public. This is THE place where "results published" is announced (the
# webhooks will register a listener here); listeners get the published record, after the commit.
ResultsPublished = Callable[[ReleaseRecord], Awaitable[None]]


def _record(row: dict[str, Any]) -> ReleaseRecord:
    return ReleaseRecord(
        wave=str(row["wave"]),
        version=int(row["version"]),
        status=str(row["status"]),
        snapshot_hash=str(row["snapshot_hash"]),
        data_version=str(row["data_version"]),
        changelog_vi=str(row["changelog_vi"] or ""),
        changelog_en=str(row["changelog_en"] or ""),
        prepared_by=str(row["prepared_by_email"]),
        prepared_at=row["prepared_at"],
        approved_by=str(row["approved_by_email"]) or None,
        approved_at=row["approved_at"],
        published_by=str(row["published_by_email"]) or None,
        published_at=row["published_at"],
    )


async def data_version(wave_id: int) -> str:
    """A digest of what the numbers are estimated from: the wave's responses (count, last id), its weight
    runs and frame rows (last ids). Equal digests: the same data."""
    responses = (
        await Submission.select(Count(Submission.id, alias="n"), Max(Submission.id, alias="last"))
        .where(Submission.wave == wave_id)
        .first()
    )
    weights = await WeightRun.select(Max(WeightRun.id, alias="last")).where(WeightRun.wave == wave_id).first()
    frame = await FrameUnit.select(Max(FrameUnit.id, alias="last")).where(FrameUnit.wave == wave_id).first()
    parts = (
        wave_id,
        (responses or {}).get("n"),
        (responses or {}).get("last"),
        (weights or {}).get("last"),
        (frame or {}).get("last"),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _changelog(changelog: dict[str, str] | None, required: bool) -> tuple[str, str]:
    entry = {k: (v or "").strip() for k, v in (changelog or {}).items()}
    problems = []
    for lang in ("vi", "en"):
        text = entry.get(lang, "")
        if required and not text:
            problems.append(
                FieldProblem(f"changelog_{lang}", "a correction says what it changed", "required")
            )
        elif len(text) > MAX_CHANGELOG:
            problems.append(FieldProblem(f"changelog_{lang}", f"at most {MAX_CHANGELOG} characters"))
    if problems:
        raise InvalidInput("the changelog entry is not valid", problems)
    return entry.get("vi", ""), entry.get("en", "")


def _same_person(a: Actor, user_id: int | None, email: str) -> bool:
    if a.user_id and user_id:
        return a.user_id == user_id
    return a.email.lower() == email.lower()


class ReleaseService:
    """Prepare, approve, publish and correct the released results of waves (staff side)."""

    def __init__(self, on_published: Sequence[ResultsPublished] = ()) -> None:
        self.on_published: list[ResultsPublished] = list(on_published)

    async def list(self, actor: Actor, wave_code: str) -> list[ReleaseRecord]:
        """Every version of a wave's releases, newest first (staff who see every agency)."""
        wave = await self._wave(actor, wave_code, (*PREPARERS, "agency", "ministry"))
        rows = (
            await ResultRelease.select(*RELEASE_COLUMNS)
            .where(ResultRelease.wave == wave["id"])
            .order_by(ResultRelease.version, ascending=False)
        )
        if actor.role == "agency":  # an agency user sees only what is public
            rows = [r for r in rows if r["status"] == "published"]
        return [_record(r) for r in rows]

    async def snapshot(self, actor: Actor, wave_code: str, version: int) -> dict[str, Any]:
        """A version's snapshot text and hash, for the people who review it before approval."""
        wave = await self._wave(actor, wave_code, (*PREPARERS, "ministry"))
        row = await self._row(wave, version, ResultRelease.snapshot, ResultRelease.snapshot_hash)
        return {"snapshot": str(row["snapshot"]), "snapshot_hash": str(row["snapshot_hash"])}

    async def prepare(
        self, actor: Actor, wave_code: str, changelog: dict[str, str] | None = None
    ) -> ReleaseRecord:
        """A draft of the wave's first release (Conflict once one is published: that is a correction)."""
        return await self._prepare(actor, wave_code, changelog, correction=False)

    async def correct(self, actor: Actor, wave_code: str, changelog: dict[str, str]) -> ReleaseRecord:
        """A draft of a new version of published results, with its public changelog entry."""
        return await self._prepare(actor, wave_code, changelog, correction=True)

    async def approve(self, actor: Actor, wave_code: str, version: int) -> ReleaseRecord:
        wave = await self._wave(actor, wave_code, APPROVERS)
        row = await self._row(wave, version, *RELEASE_COLUMNS)
        if row["status"] != "draft":
            raise Conflict(
                f"version {version} of wave {wave_code} is {row['status']}, not a draft", "release"
            )
        if _same_person(actor, row["prepared_by"], str(row["prepared_by_email"])):
            raise Forbidden("results are approved by someone other than the person who prepared them")
        now = datetime.now(UTC)
        updated = (
            await ResultRelease.update(
                {
                    ResultRelease.status: "approved",
                    ResultRelease.approved_by: actor.user_id or None,
                    ResultRelease.approved_by_email: actor.email,
                    ResultRelease.approved_at: now,
                }
            )
            .where((ResultRelease.id == row["id"]) & (ResultRelease.status == "draft"))
            .returning(ResultRelease.id)
        )
        if not updated:  # prepared again, or approved by someone else, in between
            raise Conflict(f"version {version} of wave {wave_code} changed meanwhile: reload it", "release")
        await audit.record(
            actor,
            "release.approve",
            "release",
            f"{wave_code}/v{version}",
            {"version": version, "snapshot_hash": str(row["snapshot_hash"])},
        )
        return _record(await self._row(wave, version, *RELEASE_COLUMNS))

    async def publish(self, actor: Actor, wave_code: str, version: int) -> ReleaseRecord:
        """Make an approved version public. Its row is never changed after this."""
        wave = await self._wave(actor, wave_code, APPROVERS)
        row = await self._row(wave, version, *RELEASE_COLUMNS, ResultRelease.snapshot)
        if row["status"] != "approved":
            raise Conflict(
                f"version {version} of wave {wave_code} is {row['status']}, not approved", "release"
            )
        if snapshot_hash(str(row["snapshot"])) != row["snapshot_hash"]:
            raise Conflict(f"the stored snapshot of version {version} does not match its hash", "release")
        now = datetime.now(UTC)
        # The publication and its webhook events (one per agency of the wave) in one transaction: the
        # outbox holds them exactly when the version is public.
        async with write_transaction(ResultRelease._meta.db):
            updated = (
                await ResultRelease.update(
                    {
                        ResultRelease.status: "published",
                        ResultRelease.published_by: actor.user_id or None,
                        ResultRelease.published_by_email: actor.email,
                        ResultRelease.published_at: now,
                    }
                )
                .where((ResultRelease.id == row["id"]) & (ResultRelease.status == "approved"))
                .returning(ResultRelease.id)
            )
            if updated:
                await enqueue_results_published(int(wave["id"]), version, version > 1, now)
        if not updated:
            raise Conflict(f"version {version} of wave {wave_code} changed meanwhile: reload it", "release")
        await audit.record(
            actor,
            "release.publish",
            "release",
            f"{wave_code}/v{version}",
            {
                "version": version,
                "snapshot_hash": str(row["snapshot_hash"]),
                "approved_by": str(row["approved_by_email"]),
                "approved_at": row["approved_at"].isoformat() if row["approved_at"] else None,
                "published_at": now.isoformat(),
            },
        )
        record = _record(await self._row(wave, version, *RELEASE_COLUMNS))
        await self.results_published(record)
        return record

    async def results_published(self, record: ReleaseRecord) -> None:
        """Results are public: tell every listener (webhooks hook in here). A failing listener does not undo
        the publication; it is the listener's job to retry."""
        for listener in self.on_published:
            try:
                await listener(record)
            except Exception:  # the publication is committed: report the listener's failure, go on
                LOG.exception("a results-published listener failed for %s v%s", record.wave, record.version)

    # -- steps ------------------------------------------------------------------------------------------

    async def _wave(self, actor: Actor, wave_code: str, roles: tuple[str, ...]) -> dict[str, Any]:
        if actor.role not in roles:
            raise Forbidden("this step of a release is not open to your role")
        wave = (
            await Wave.select(Wave.id, Wave.code, Wave.status, Wave.province)
            .where(Wave.code == wave_code)
            .first()
        )
        if wave is None or not tenancy.sees(actor, wave["province"]):
            raise NotFound(f"no wave with code {wave_code}")
        return wave

    async def _row(self, wave: dict[str, Any], version: int, *columns: Any) -> dict[str, Any]:
        row = (
            await ResultRelease.select(ResultRelease.id, *columns)
            .where((ResultRelease.wave == wave["id"]) & (ResultRelease.version == version))
            .first()
        )
        if row is None:
            raise NotFound(f"wave {wave['code']} has no release version {version}")
        return row

    async def _prepare(
        self, actor: Actor, wave_code: str, changelog: dict[str, str] | None, *, correction: bool
    ) -> ReleaseRecord:
        wave = await self._wave(actor, wave_code, PREPARERS)
        if wave["status"] != "closed":
            raise Conflict(
                f"wave {wave_code} is {wave['status']}: results are released once it is closed", "release"
            )
        versions = await ResultRelease.select(ResultRelease.version, ResultRelease.status).where(
            ResultRelease.wave == wave["id"]
        )
        published = [int(v["version"]) for v in versions if v["status"] == "published"]
        if correction and not published:
            raise Conflict(f"wave {wave_code} has no published results to correct", "release")
        if not correction and published:
            raise Conflict(f"wave {wave_code} is already published: a change is a correction", "release")
        vi, en = _changelog(changelog, required=correction)
        # Estimate once, then freeze: the data version is read first, so a response arriving meanwhile
        # makes the digest older than the numbers, never newer (a closed wave takes none anyway).
        version_digest = await data_version(int(wave["id"]))
        report = await report_data(await load_wave(wave_code))
        text = canonical(build_snapshot(report, version_digest))
        digest = snapshot_hash(text)
        number = max(published, default=0) + 1
        if correction:
            latest = await self._row(wave, max(published), ResultRelease.snapshot_hash)
            if latest["snapshot_hash"] == digest:
                raise Conflict(
                    f"the results of wave {wave_code} are unchanged since version {max(published)}: "
                    "a correction publishes changed data or names",
                    "release",
                )
        pending = [v for v in versions if int(v["version"]) == number]
        values: dict[Column | str, Any] = {
            ResultRelease.status: "draft",
            ResultRelease.snapshot: text,
            ResultRelease.snapshot_hash: digest,
            ResultRelease.data_version: version_digest,
            ResultRelease.changelog_vi: vi,
            ResultRelease.changelog_en: en,
            ResultRelease.prepared_by: actor.user_id or None,
            ResultRelease.prepared_by_email: actor.email,
            ResultRelease.prepared_at: datetime.now(UTC),
            ResultRelease.approved_by: None,
            ResultRelease.approved_by_email: "",
            ResultRelease.approved_at: None,
        }
        try:
            async with write_transaction(ResultRelease._meta.db):
                if pending:  # a draft or approved version not yet public: prepared again, approval void
                    await ResultRelease.update(values).where(
                        (ResultRelease.wave == wave["id"])
                        & (ResultRelease.version == number)
                        & (ResultRelease.status != "published")
                    )
                else:
                    new = ResultRelease(wave=wave["id"], version=number)
                    for column, value in values.items():
                        setattr(new, column._meta.name if isinstance(column, Column) else column, value)
                    await ResultRelease.insert(new)
        except Exception as exc:
            if is_unique_violation(exc):
                raise Conflict(
                    f"wave {wave_code} version {number} was prepared meanwhile", "release"
                ) from exc
            raise
        await audit.record(
            actor,
            "release.prepare",
            "release",
            f"{wave_code}/v{number}",
            {
                "version": number,
                "snapshot_hash": digest,
                "data_version": version_digest,
                "correction": correction,
            },
        )
        return _record(await self._row(wave, number, *RELEASE_COLUMNS))
