"""Receipt codes: signed, URL-safe, tamper-evident; dossier hashes keyed and normalised."""

from __future__ import annotations

import base64
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey_engine.collection.receipts import (
    InvalidReceipt,
    Receipt,
    dossier_hash,
    sign_receipt,
    verify_receipt,
)

KEY = "k" * 48
OTHER = "o" * 48


def test_round_trip_normalises_the_dossier_code() -> None:
    token = sign_receipt(KEY, "  h01.22-241122-0001 ", "SO-TP-QUAY")
    assert verify_receipt(KEY, token) == Receipt("H01.22-241122-0001", "SO-TP-QUAY")
    assert re.fullmatch(r"1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}", token)  # 128-bit signature
    assert sign_receipt(KEY, "H01.22-241122-0001", "SO-TP-QUAY") == token  # deterministic
    assert len(token) < 100


@given(
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._/\-]{0,40}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,30}", fullmatch=True),
)
def test_round_trip_property(dossier: str, point: str) -> None:
    token = sign_receipt(KEY, dossier, point)
    assert verify_receipt(KEY, token) == Receipt(dossier.upper(), point)


def test_tampering_is_detected() -> None:
    token = sign_receipt(KEY, "H01-0001", "SO-TP-QUAY")
    version, payload, signature = token.split(".")
    forged_payload = base64.urlsafe_b64encode(b"H01-0002\x1fSO-TP-QUAY").rstrip(b"=").decode()
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    for bad in (
        f"{version}.{forged_payload}.{signature}",
        f"{version}.{payload}.{flipped}",
        f"2.{payload}.{signature}",
        f"{version}.{payload}",
        token + ".x",
        token + "=",
        "",
        "garbage",
        "1..",
        "1.%%%.###",
        "x" * 1000,
    ):
        with pytest.raises(InvalidReceipt):
            verify_receipt(KEY, bad)
    with pytest.raises(InvalidReceipt):
        verify_receipt(OTHER, token)
    assert issubclass(InvalidReceipt, ValueError)


@pytest.mark.parametrize("dossier", ["", "   ", "a b", "x" * 65, "-leading", "mã hồ sơ"])
def test_bad_dossier_codes_are_refused(dossier: str) -> None:
    with pytest.raises(ValueError):
        sign_receipt(KEY, dossier, "SO-TP-QUAY")


def test_dossier_hash_is_keyed_and_normalised() -> None:
    digest = dossier_hash(KEY, "h01-0001")
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert dossier_hash(KEY, "  H01-0001\n") == digest
    assert dossier_hash(OTHER, "H01-0001") != digest
    assert dossier_hash(KEY, "H01-0002") != digest
    receipt = verify_receipt(KEY, sign_receipt(KEY, " h01-0001", "P"))
    assert dossier_hash(KEY, receipt.dossier_code) == digest
    with pytest.raises(ValueError):
        dossier_hash(KEY, " ")
