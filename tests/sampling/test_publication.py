"""Publication rules on constructed estimates (thresholds from NCHS 2017, NCHS 30/30, Statistics Canada)."""

from __future__ import annotations

import pytest

from sampling import Estimate, EstimationError, apply_rule, assess


def est(p: float, se: float, n: int = 500, df: float | None = 100, statistic: str = "proportion") -> Estimate:
    return Estimate(
        variable="q",
        domain={},
        statistic=statistic,
        estimate=p,
        se=se,
        ci_low=p,
        ci_high=p,
        level=0.95,
        ci_method="logit",
        df=df,
        n=n,
    )


def test_nchs2017_presents_precise_estimate() -> None:
    assert assess(est(0.5, 0.01), "nchs2017") == (None, None)


@pytest.mark.parametrize(
    ("e", "flag", "reason"),
    [
        (est(0.5, 0.01, n=20), "suppress", "sample size 20 < 30"),
        (est(0.5, 0.1), "suppress", "effective sample size 25 < 30"),
        (est(0.5, 0.08), "suppress", "Korn-Graubard CI width"),
        (est(0.05, 0.02), "suppress", "relative CI width"),
        (est(0.5, 0.02, df=5), "review", "degrees of freedom 5 < 8"),
    ],
)
def test_nchs2017_verdicts(e: Estimate, flag: str, reason: str) -> None:
    got_flag, got_reason = assess(e, "nchs2017")
    assert got_flag == flag and got_reason is not None and got_reason.startswith(reason)


def test_nchs2017_on_percent_scale() -> None:
    # Indices are reported as percentages; the rule is applied on the 0-1 scale.
    assert assess(est(50.0, 1.0, statistic="index"), "auto", scale=100.0) == (None, None)


def test_nchs3030_and_statcan() -> None:
    assert assess(est(100.0, 35.0, statistic="mean"), "auto")[0] == "review"
    assert assess(est(100.0, 10.0, statistic="mean", n=10), "nchs3030") == ("suppress", "sample size 10 < 30")
    assert assess(est(100.0, 10.0), "statcan-cv") == (None, None)
    assert assess(est(100.0, 20.0), "statcan-cv") == ("review", "CV 20.0%: use with caution")
    assert assess(est(100.0, 40.0), "statcan-cv") == ("suppress", "CV 40.0% > 33.3%")


def test_apply_rule_sets_fields_and_rejects_unknown() -> None:
    (e,) = apply_rule([est(0.5, 0.01, n=10)], "auto")
    assert e.flag == "suppress" and e.flag_reason == "sample size 10 < 30"
    assert apply_rule([est(0.5, 0.01, n=10)], "none")[0].flag is None
    with pytest.raises(EstimationError, match="unknown publication rule"):
        apply_rule([est(0.5, 0.01)], "strict")
