"""Freed memory is kept for reuse in sipas' long-running processes (:mod:`api.process_memory`): measured
in a fresh interpreter by its resident size after 400 MB of 16 MB blocks are written and freed."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

_PROBE = textwrap.dedent(
    """
    import sys
    import numpy as np

    if sys.argv[1] == "keep":
        from api.process_memory import keep_freed_memory

        assert keep_freed_memory()

    def resident_mb() -> float:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096 / 2**20

    before = resident_mb()
    blocks = [np.ones(2_000_000) for _ in range(25)]  # 25 × 16 MB, each under the mapping threshold
    del blocks
    print(round(resident_mb() - before))
    """
)


def _kept_mb(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, check=True)
    return int(done.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc on Linux")
def test_freed_memory_stays_for_reuse() -> None:
    assert _kept_mb("default") < 100  # glibc hands the blocks back at once
    assert _kept_mb("keep") > 300  # kept: the next request's arrays reuse it without page faults


def test_served_workers_and_cli_commands_keep_freed_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    import api.app
    import api.cli

    calls: list[str] = []
    monkeypatch.setattr(api.app, "keep_freed_memory", lambda: calls.append("serve") or True)
    monkeypatch.setattr(api.app, "create_app", lambda: api.app.Litestar(route_handlers=[]))
    api.app.app_from_env()
    assert calls == ["serve"]
    monkeypatch.setattr(api.cli, "keep_freed_memory", lambda: calls.append("cli") or True)
    assert api.cli.main(["sample-size", "--margin", "0.05"]) == 0
    assert calls == ["serve", "cli"]
