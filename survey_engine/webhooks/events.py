"""The event types and what raises them: the per-questionnaire "low rating" rule and the comment rule.

Pure functions of a questionnaire and an answer set (no database), so the submission path decides before
it queues a response and no CPU work happens inside its write transaction.

Low rating, by the questionnaire's index rule (docs/webhooks.md):

* ``top_box_share`` questionnaires (SIPAS, counter-3): an answer strictly below the midpoint of a rating
  scale, i.e. ``value < (k + 1) / 2`` on a k-point scale: 1 or 2 of five, 1 ("Dissatisfied") of the three
  counter levels. Rating scales are those the index criteria (items with an ``element``) use, so the
  overall items on the same scale count (sipas-2017's ``E1_ALL`` … ``OVERALL``) and the scales of interest,
  suitability or expectation (sipas-2023's ``Q1``, ``Q3``, ``Q7``, ``Q8``) do not. Don't know (0) is never
  low.
* ``score_sum`` questionnaires (Decree 61): an indicator answered with the option carrying its lowest
  score (0, e.g. "Late").

A comment is a non-blank answer to the ``COMMENT`` item (every built-in template has one); the "if other,
specify" texts are not comments.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from survey_engine.questionnaire import SCALE_TYPES, Questionnaire

LOW_RATING = "low_rating"
COMMENT = "comment"
WAVE_CLOSED = "wave_closed"
RESULTS_PUBLISHED = "results_published"
EVENT_TYPES = (LOW_RATING, COMMENT, WAVE_CLOSED, RESULTS_PUBLISHED)
COMMENT_ITEM = "COMMENT"


@dataclass(frozen=True)
class LowAnswer:
    item: str
    ref: str
    value: int | str


def low_answers(questionnaire: Questionnaire, answers: Mapping[str, object]) -> list[LowAnswer]:
    """The answers that make this response a low rating, in questionnaire order (empty: not low)."""
    index = questionnaire.index
    found: list[LowAnswer] = []
    if index is not None and index.rule == "score_sum":
        for item in questionnaire.items:
            value = answers.get(item.code)
            if item.type != "single" or not item.options or not isinstance(value, str):
                continue
            scores = {o.code: o.score for o in item.options if o.score is not None}
            if value in scores and scores[value] == min(scores.values()):
                found.append(LowAnswer(item.code, item.ref, value))
        return found
    rating_scales = {i.scale for i in questionnaire.items if i.element and i.scale is not None}
    for item in questionnaire.items:
        value = answers.get(item.code)
        if item.type not in SCALE_TYPES or item.scale not in rating_scales or isinstance(value, bool):
            continue
        scale = questionnaire.scales.get(item.scale or "")
        if scale is None or not isinstance(value, int) or value < 1:
            continue
        if 2 * value < len(scale.points) + 1:
            found.append(LowAnswer(item.code, item.ref, value))
    return found


def comment_of(answers: Mapping[str, object]) -> str | None:
    """The respondent's comment, stripped; None when there is none."""
    value = answers.get(COMMENT_ITEM)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def submission_events(
    questionnaire: Questionnaire,
    answers: Mapping[str, object],
    context: Mapping[str, object],
) -> list[tuple[str, dict[str, object]]]:
    """The (event type, data) pairs a stored response raises; ``context`` holds the response's identity
    (submission id, wave, service point, questionnaire version, channel, received time)."""
    low = low_answers(questionnaire, answers)
    comment = comment_of(answers)
    events: list[tuple[str, dict[str, object]]] = []
    if low:
        low_items = [{"item": a.item, "ref": a.ref, "value": a.value} for a in low]
        events.append((LOW_RATING, {**context, "low_items": low_items, "comment": comment}))
    if comment is not None:
        events.append((COMMENT, {**context, "comment": comment, "low_rating": bool(low)}))
    return events
