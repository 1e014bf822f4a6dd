"""An unexpected error answers a bare 500 problem and logs where it happened, never the error's text."""

from __future__ import annotations

import logging

import pytest

from tests.api.conftest import World


async def test_unexpected_error_logs_no_request_data(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    phone = "".join(["0912", "345678"])  # built at run time: frames quote source lines, not values

    async def broken(*_: object, **__: object) -> object:
        raise RuntimeError(f"secret answer {phone}")

    monkeypatch.setattr(world.app.state.services.agencies, "list", broken)
    with caplog.at_level(logging.DEBUG):
        response = await world.client.get("/api/v1/agencies", headers=world.auth("admin"))
    assert response.status_code == 500
    assert response.json()["type"] == "urn:sipas:problem:internal"
    assert phone not in response.text
    logged = caplog.text  # as a log handler writes it, tracebacks included
    assert "unhandled RuntimeError on GET /api/v1/agencies" in logged
    assert phone not in logged
