"""Simulated answer sets that pass validation, for the demo and for load tests.

Satisfaction is drawn per respondent around an agency-level mean so that agencies differ the
way real ones do (top-two-box shares roughly 70–95 %).
"""

from __future__ import annotations

import random

from survey_engine.questionnaire import (
    DONT_KNOW,
    DONT_KNOW_OPTION,
    Questionnaire,
    prune_hidden,
    validate_answers,
)

_SCALE_POINTS = {"likert5": 5, "likert4": 4, "rating3": 3}


def _scale_value(kind: str, mood: float, rng: random.Random) -> int:
    points = _SCALE_POINTS[kind]
    if rng.random() < mood:
        return points if rng.random() < 0.35 else points - 1
    return rng.randint(1, points - 2)


def simulate_answers(q: Questionnaire, rng: random.Random, mood: float = 0.83) -> dict[str, object]:
    """One plausible, valid answer set; ``mood`` is the chance of a top-two answer on a scale item."""
    answers: dict[str, object] = {}
    for item in q.items:
        if item.type in _SCALE_POINTS:
            if item.allow_dont_know and rng.random() < 0.03:
                answers[item.code] = DONT_KNOW
            else:
                answers[item.code] = _scale_value(item.type, mood, rng)
        elif item.type == "yesno":
            answers[item.code] = rng.random() < 0.6
        elif item.type == "single" and item.options:
            if item.allow_dont_know and rng.random() < 0.02:
                answers[item.code] = DONT_KNOW_OPTION
            else:
                answers[item.code] = rng.choice(item.options).code
        elif item.type == "multi" and item.options:
            k = rng.randint(1, min(3, len(item.options)))
            answers[item.code] = [o.code for o in rng.sample(list(item.options), k)]
        elif item.type == "number":
            low = int(item.min) if item.min is not None else 0
            high = int(item.max) if item.max is not None else low + 100
            answers[item.code] = rng.randint(low, high)
        elif item.type == "text" and item.required:
            answers[item.code] = "Không có ý kiến thêm."
    # Screening answers hide later items: drop those, and re-check until nothing changes.
    for _ in range(5):
        pruned = prune_hidden(q, answers)
        if pruned == answers:
            break
        answers = pruned
    errors = validate_answers(q, answers)
    if errors:  # a template the simulator does not understand: fail loudly, never store bad data
        raise ValueError(f"simulated answers do not validate: {errors[:3]}")
    return answers
