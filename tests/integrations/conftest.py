"""The API world of tests/api (two agencies, one account per role) for the one-stop integration tests."""

from __future__ import annotations

from tests.api.conftest import app, world  # noqa: F401 - fixtures used by this folder's tests
