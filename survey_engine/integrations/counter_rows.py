"""From a checked rating line to the row a counter import stores, without the database: the line's target
(the open wave of its service point on its questionnaire), the submissions' validator, the criteria codes,
the dossier's keyed hash and the webhook events the rating raises.

The importing process uses it, and so do the parse workers of large files
(:mod:`survey_engine.integrations.counter_workers`): everything a :class:`RowBuilder` needs is plain data
that crosses a process boundary (the target query's rows, the scope, the secret, the time).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
from piccolo.engine.sqlite import convert_datetime_in

from survey_engine.administration.questionnaires import version_label
from survey_engine.answer_codes import CriteriaLayout, criteria_layout
from survey_engine.collection.ingest_store import INSERT_COLUMNS
from survey_engine.collection.receipts import dossier_hasher
from survey_engine.collection.submissions import answers_json
from survey_engine.errors import FieldProblem
from survey_engine.integrations.counter_lines import LineRejected, RatingLine
from survey_engine.questionnaire import Questionnaire, load_definition, normalise_form, validate_answers
from survey_engine.webhooks.events import submission_events
from survey_engine.webhooks.outbox import OutboxRow, outbox_row

CHANNEL = "onestop"
_ENCODER = msgspec.json.Encoder(order="sorted")
_MEMO_MAX = 50_000  # answer sets seen (with their verdict and codes): most ratings repeat a few sets
# Where build() puts each value of a row (the ingestion store's column order; build() writes the tuple out
# in that order, which tests/integrations/test_parallel_import.py checks column by column).
CLIENT_ID, WAVE, SERVICE_POINT, AGENCY, ANSWERS, BODY_HASH, DOSSIER_HASH, OFFICER, SUBMITTED_AT = (
    INSERT_COLUMNS.index(c)
    for c in (
        "client_id",
        "wave",
        "service_point",
        "agency",
        "answers",
        "body_hash",
        "dossier_hash",
        "officer",
        "submitted_at",
    )
)

# Which events anyone listens to: (agency id, event type) pairs of active subscriptions; None: every event.
Wanted = frozenset[tuple[int, str]] | None


@dataclass(frozen=True)
class Target:
    """Where a line of (service point, questionnaire) goes."""

    service_point_id: int
    agency_id: int
    token: str
    wave_id: int
    version_id: int
    version_number: int
    questionnaire: Questionnaire
    layout: CriteriaLayout
    questionnaire_code: str = ""
    wave_code: str = ""
    service_point_code: str = ""
    version_label: str = ""


class Targets(dict[tuple[str, str], "Target | FieldProblem"]):
    """(service point, questionnaire) → its target; a pair without one gets its problem (remembered)."""

    def __init__(self, in_scope: set[str]) -> None:
        super().__init__()
        self.in_scope = in_scope

    def miss(self, point: str, questionnaire: str) -> FieldProblem:
        if point not in self.in_scope:
            # The same words for a point of another agency: a key does not learn what it may not use.
            problem = FieldProblem(
                "service_point", f"no service point {point} within this key's scope", "unknown"
            )
        else:
            problem = FieldProblem(
                "questionnaire", f"no open wave at service point {point} on {questionnaire}", "closed"
            )
        self[point, questionnaire] = problem
        return problem

    def of(self, point: str, questionnaire: str) -> Target | FieldProblem:
        found = self.get((point, questionnaire))
        return self.miss(point, questionnaire) if found is None else found


def targets_from(found_rows: Iterable[Mapping[str, Any]], in_scope: set[str]) -> Targets:
    """The targets of the open waves found (newest first) for the points in scope: each pair gets its
    newest open wave. Each questionnaire version is parsed once (a published version never changes)."""
    targets = Targets(in_scope)
    definitions: dict[int, tuple[Questionnaire, CriteriaLayout]] = {}
    for found in found_rows:
        point, questionnaire = str(found["point_code"]), str(found["questionnaire_code"])
        if point not in in_scope or (point, questionnaire) in targets:
            continue  # out of scope, or an older open wave of the same pair
        version_id = int(found["version_id"])
        known = definitions.get(version_id)
        if known is None:
            definition = found["definition"]
            parsed = load_definition(
                definition if isinstance(definition, str | bytes) else _ENCODER.encode(definition)
            )
            known = definitions[version_id] = (parsed, criteria_layout(parsed))
        targets[point, questionnaire] = Target(
            service_point_id=int(found["point_id"]),
            agency_id=int(found["agency_id"]),
            token=str(found["token"]),
            wave_id=int(found["wave_id"]),
            version_id=version_id,
            version_number=int(found["version_number"]),
            questionnaire=known[0],
            layout=known[1],
            questionnaire_code=questionnaire,
            wave_code=str(found["wave_code"]),
            service_point_code=point,
            version_label=version_label(questionnaire, int(found["version_number"])),
        )
    return targets


@dataclass(frozen=True, slots=True)
class _Checked:
    """What an answer set (of one questionnaire version) gives, whichever line carries it."""

    problems: list[FieldProblem]
    codes: str | None
    # The events the answers raise, without the line's identity: (type, the answer-derived data).
    events: list[tuple[str, dict[str, object]]]


class _EventIds:
    """Fresh UUID4 texts for outbox rows, drawn from the OS a few thousand at a time: one system call per
    draw (which releases the GIL and may wait for the writer thread to give it back), not one per event."""

    DRAW = 4096

    def __init__(self) -> None:
        self._pool: list[str] = []

    def next(self) -> str:
        if not self._pool:
            raw = os.urandom(16 * self.DRAW)
            self._pool = [str(uuid.UUID(bytes=raw[i : i + 16], version=4)) for i in range(0, len(raw), 16)]
        return self._pool.pop()


@dataclass(frozen=True, slots=True)
class BuiltRow:
    """A line ready to store: its row in the ingestion store's column order, and the events it raises."""

    number: int
    row: tuple[Any, ...]
    token: str  # the service point's public token when the line's target was read (the store checks it)
    events: list[OutboxRow]


def _as_is(value: datetime) -> datetime:
    return value


@dataclass
class BuiltLines:
    """Built lines on their way to the store (a parse worker's block, or a chunk): rows in the store's column
    order with their line numbers, the events of the rows that raise any (by index in ``rows``), and the
    lines rejected before storing; ``lines`` counts them all."""

    lines: int = 0
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    events: dict[int, list[OutboxRow]] = field(default_factory=dict)
    rejected: list[LineRejected] = field(default_factory=list)

    def add(self, done: BuiltRow | LineRejected) -> None:
        self.lines += 1
        if isinstance(done, LineRejected):
            self.rejected.append(done)
            return
        if done.events:
            self.events[len(self.rows)] = done.events
        self.rows.append(done.row)
        self.numbers.append(done.number)

    def extend(self, other: BuiltLines) -> None:
        offset = len(self.rows)
        self.lines += other.lines
        self.rows.extend(other.rows)
        self.numbers.extend(other.numbers)
        self.events.update((offset + i, some) for i, some in other.events.items())
        self.rejected.extend(other.rejected)


class RowBuilder:
    """Builds the rows of one import's lines (remembering answer sets and parsed questionnaires)."""

    def __init__(
        self,
        secret_key: str,
        targets: Targets,
        now: datetime,
        wanted: Wanted = None,
        times_as_text: bool = False,
    ) -> None:
        self.targets = targets
        self.now = now
        # SQLite stores times as text (Piccolo's adapter writes UTC as str(datetime)). Converting here means
        # a parse worker does it, not the SQLite writer thread calling the adapter twice per row.
        self._time: Callable[[datetime], Any] = convert_datetime_in if times_as_text else _as_is
        self._now = self._time(now)
        self.received_at = now.isoformat()
        # Events nobody subscribes to are not written: fan-out would delete them unread (docs/webhooks.md).
        self.wanted = wanted
        self._memo: dict[tuple[int, str], _Checked] = {}
        self._event_ids = _EventIds()
        self._secret_key = secret_key
        self._hash_dossier: Callable[[str], str] | None = None

    def build(self, line: RatingLine | LineRejected) -> BuiltRow | LineRejected:
        if isinstance(line, LineRejected):
            return line
        target = self.targets.of(line.service_point, line.questionnaire)
        if isinstance(target, FieldProblem):
            return LineRejected(line.number, [target])
        answers = line.answers
        if line.text_answers:
            answers = normalise_form(
                target.questionnaire, {k: str(v) for k, v in answers.items()}, drop_unknown=False
            )
        encoded = line.answers_json if line.answers_json and not line.text_answers else answers_json(answers)
        checked = self._checked(target, answers, encoded)
        if checked.problems:
            return LineRejected(line.number, checked.problems)
        digest = None
        if line.dossier_code:
            if self._hash_dossier is None:
                self._hash_dossier = dossier_hasher(self._secret_key)
            digest = self._hash_dossier(line.dossier_code)
        row = (
            line.client_id,
            target.wave_id,
            target.service_point_id,
            target.agency_id,
            target.version_number,
            CHANNEL,
            "vi",
            None,
            self._time(line.rated_at),
            self._now,
            None,
            encoded,
            line.body_hash,
            digest,
            None,
            None,
            True,
            checked.codes,
            line.officer,
        )
        events: list[OutboxRow] = []
        for kind, answered in checked.events:
            if self.wanted is not None and (target.agency_id, kind) not in self.wanted:
                continue
            data = {
                "submission": line.client_id,
                "wave": target.wave_code,
                "service_point": target.service_point_code,
                "questionnaire": target.version_label,
                "channel": CHANNEL,
                "complete": True,
                "received_at": self.received_at,
                **answered,
            }
            events.append(outbox_row(kind, target.agency_id, data, self.now, self._event_ids.next()))
        return BuiltRow(line.number, row, target.token, events)

    def _checked(self, target: Target, answers: dict[str, object], encoded: str) -> _Checked:
        """The answers' problems (the submissions' validator), criteria codes and events, remembered per
        set: counter ratings repeat a few answer sets (a comment makes a set of its own)."""
        memo_key = (target.version_id, encoded)
        known = self._memo.get(memo_key)
        if known is None:
            errors = validate_answers(target.questionnaire, answers)
            problems = [FieldProblem(f"answers.{e.item}", e.message.en, e.code) for e in errors]
            known = (
                _Checked(problems, None, [])
                if problems
                else _Checked(
                    [], target.layout.encode(answers), submission_events(target.questionnaire, answers, {})
                )
            )
            if len(self._memo) >= _MEMO_MAX:
                self._memo.clear()
            self._memo[memo_key] = known
        return known
