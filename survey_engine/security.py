"""Secrets: argon2 password hashes and random tokens of which only a SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LENGTH = 10
TOKEN_BYTES = 32  # 256 bits: unguessable by any margin


class PasswordHashing:
    """Memory-hard hashing (argon2id). Slow on purpose: call it off the event loop."""

    def __init__(self, time_cost: int = 3, memory_cost_kib: int = 65536) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=1)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def dummy_verify(self, password: str) -> None:
        """Spend the same time for an unknown account, so timing does not reveal which e-mails exist."""
        self.verify(_DUMMY_HASH, password)


_DUMMY_HASH = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("not-a-real-password")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_public_token() -> str:
    """Service-point tokens travel in QR codes and URLs: 128 bits, URL-safe, short enough to type."""
    return secrets.token_urlsafe(16)


def hash_token(token: str) -> str:
    # Tokens are 128–256 random bits, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def password_problems(password: str, email: str = "") -> list[str]:
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > 256:
        problems.append("must be at most 256 characters")
    if email and password.lower() == email.lower():
        problems.append("must not be the e-mail address")
    return problems
