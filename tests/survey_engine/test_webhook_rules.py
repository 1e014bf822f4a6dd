"""The pure parts of webhooks: the low-rating and comment rules per questionnaire, signatures, and which
addresses a webhook may target (SSRF)."""

from __future__ import annotations

import hashlib
import hmac
import time

import pytest

from survey_engine.errors import InvalidInput
from survey_engine.questionnaire import get_template
from survey_engine.webhooks import signing, targets
from survey_engine.webhooks.events import comment_of, low_answers, submission_events


def test_counter_three_levels_low_is_dissatisfied_only() -> None:
    q = get_template("counter-3")
    assert [(a.item, a.value) for a in low_answers(q, {"RATING": 1})] == [("RATING", 1)]
    assert low_answers(q, {"RATING": 2}) == [] and low_answers(q, {"RATING": 3}) == []


def test_sipas_five_point_scale_low_is_one_or_two_and_dont_know_is_not() -> None:
    q = get_template("sipas-2017")
    found = low_answers(q, {"C1_1": 1, "C1_2": 2, "C1_3": 3, "C1_4": 0, "OVERALL": 2})
    assert [(a.item, a.value) for a in found] == [("C1_1", 1), ("C1_2", 2), ("OVERALL", 2)]
    assert found[0].ref  # the printed numbering goes with it


def test_sipas_2023_interest_and_expectation_scales_are_not_ratings() -> None:
    q = get_template("sipas-2023")
    assert low_answers(q, {"Q1_1": 1, "Q3_1": 1, "Q7_1": 1}) == []
    assert [a.item for a in low_answers(q, {"Q9_II_B_2": 2})] == ["Q9_II_B_2"]


def test_decree61_low_is_an_indicator_scored_zero() -> None:
    q = get_template("decree61-9")
    found = low_answers(q, {"D61_1": "S0", "D61_2": "S1", "D61_3": "S2"})
    assert [(a.item, a.value) for a in found] == [("D61_1", "S0")]


def test_comments_are_the_comment_item_only_and_not_blank() -> None:
    assert comment_of({"COMMENT": "  Tốt  "}) == "Tốt"
    assert comment_of({"COMMENT": "   "}) is None and comment_of({"A2_OTHER": "khác"}) is None
    q = get_template("counter-3")
    kinds = [k for k, _ in submission_events(q, {"RATING": 3, "COMMENT": "ok"}, {"submission": "x"})]
    assert kinds == ["comment"]
    both = dict(submission_events(q, {"RATING": 1, "COMMENT": "chậm"}, {"submission": "x"}))
    assert both["low_rating"]["comment"] == "chậm" and both["comment"]["low_rating"] is True
    assert submission_events(q, {"RATING": 2}, {}) == []


def test_secret_is_derived_from_the_app_secret_and_the_salt() -> None:
    one = signing.subscription_secret("a" * 40, "salt1")
    assert one.startswith("whsec_") and len(one) > 40
    assert one == signing.subscription_secret("a" * 40, "salt1")
    assert one != signing.subscription_secret("b" * 40, "salt1")
    assert one != signing.subscription_secret("a" * 40, "salt2")


def test_signature_verifies_as_documented_and_rejects_tampering_and_old_stamps() -> None:
    secret, body, now = "whsec_test", b'{"id":"1"}', int(time.time())
    header = signing.signature_header(secret, now, body)
    expected = hmac.new(secret.encode(), f"{now}.".encode() + body, hashlib.sha256).hexdigest()
    assert header == f"t={now},v1={expected}"
    assert signing.verify(secret, header, body)
    assert not signing.verify(secret, header, body + b" ")
    assert not signing.verify("whsec_other", header, body)
    old = signing.signature_header(secret, now - 600, body)
    assert not signing.verify(secret, old, body)
    assert not signing.verify(secret, "v1=abc", body)


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.org/sipas",
        "https://hooks.example.org:8443/a?b=c",
        "http://127.0.0.1:9000/hook",  # allowed host: plain http and loopback
    ],
)
def test_acceptable_targets(url: str) -> None:
    assert targets.check_url(url, frozenset({"127.0.0.1"})) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.org/",
        "https://127.0.0.1/",
        "https://[::1]/",
        "https://192.168.1.10/",
        "https://169.254.169.254/",
        "https://db.internal/",
        "https://a:b@hooks.example.org/",
        "https://hooks.example.org/#x",
        "javascript:alert(1)",
        "https:///nohost",
        "https://hooks.example.org:99999/",
    ],
)
def test_refused_targets(url: str) -> None:
    with pytest.raises(InvalidInput):
        targets.check_url(url, frozenset())


async def test_resolved_addresses_are_checked_before_each_attempt() -> None:
    with pytest.raises(targets.TargetRefused):
        await targets.check_resolved("https://localhost/x", frozenset())
    await targets.check_resolved("http://127.0.0.1:1/x", frozenset({"127.0.0.1"}))
