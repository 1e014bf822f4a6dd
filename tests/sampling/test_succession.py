"""A successor's figure from its predecessors': weights, estimate and SE checked by hand."""

from __future__ import annotations

import math

import pytest

from sampling.succession import PredecessorFigure, combine_predecessors, successor_weights


def test_merge_weights_by_population() -> None:
    # A: 300 000 people, all of them to the successor; B: 100 000 → weights 3/4 and 1/4.
    parts = [
        PredecessorFigure("A", 80.0, 2.0, 1.0, 300_000),
        PredecessorFigure("B", 60.0, 3.0, 1.0, 100_000),
    ]
    combined = combine_predecessors(parts)
    assert combined.weights == pytest.approx({"A": 0.75, "B": 0.25})
    assert combined.estimate == pytest.approx(75.0)  # 0.75·80 + 0.25·60
    # √((0.75·2)² + (0.25·3)²) = √(2.25 + 0.5625) = √2.8125
    assert combined.se == pytest.approx(1.6770509831)
    assert combined.ci_low == pytest.approx(75.0 - 1.959963985 * 1.6770509831)
    assert combined.ci_high == pytest.approx(75.0 + 1.959963985 * 1.6770509831)


def test_partial_share_weighs_only_the_part_that_moved() -> None:
    # Half of A's 200 000 (100 000) and all of B's 100 000: equal weights.
    parts = [
        PredecessorFigure("A", 70.0, 4.0, 0.5, 200_000),
        PredecessorFigure("B", 90.0, 2.0, 1.0, 100_000),
    ]
    combined = combine_predecessors(parts, level=0.9)
    assert combined.weights == pytest.approx({"A": 0.5, "B": 0.5})
    assert combined.estimate == pytest.approx(80.0)
    assert combined.se == pytest.approx(math.sqrt(5.0))  # √(2² + 1²)
    assert combined.ci_high - combined.estimate == pytest.approx(1.644853627 * math.sqrt(5.0))


def test_split_carries_the_predecessors_figure() -> None:
    # One predecessor: its figure and SE whatever the share, no population needed.
    combined = combine_predecessors([PredecessorFigure("A", 66.5, 1.2, 0.4, None)])
    assert (combined.estimate, combined.se, combined.weights) == (66.5, 1.2, {"A": 1.0})


def test_missing_se_leaves_no_interval() -> None:
    combined = combine_predecessors(
        [PredecessorFigure("A", 70.0, None, 1.0, 1.0), PredecessorFigure("B", 90.0, 1.0, 1.0, 3.0)]
    )
    assert combined.estimate == pytest.approx(85.0)
    assert (combined.se, combined.ci_low, combined.ci_high) == (None, None, None)


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ([], "no predecessor"),
        ([PredecessorFigure("A", 1, 1, 1, 5), PredecessorFigure("B", 1, 1, 1, None)], "population of B"),
        ([PredecessorFigure("A", 1, 1, 1, 5), PredecessorFigure("B", 1, 1, 1, 0)], "population of B"),
        ([PredecessorFigure("A", 1, 1, 1.5, 5)], "share of A"),
        ([PredecessorFigure("A", 1, 1, 0, 5)], "share of A"),
        ([PredecessorFigure("A", 1, 1, 1, 5), PredecessorFigure("A", 1, 1, 1, 5)], "twice"),
    ],
)
def test_refuses_what_cannot_be_weighted(parts: list[PredecessorFigure], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        successor_weights(parts)
