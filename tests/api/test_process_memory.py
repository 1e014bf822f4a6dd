"""Freed memory is kept for reuse in sipas' long-running processes (:mod:`api.process_memory`): measured
in a fresh interpreter by its resident size after 400 MB of 16 MB blocks are written and freed. A worker
started with ``SIPAS_PRETOUCH_MB`` touches that much heap first, so its first large request faults no
pages in (counted by the kernel's minor faults)."""

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
    monkeypatch.setattr(api.app, "create_app", lambda settings: api.app.Litestar(route_handlers=[]))
    api.app.app_from_env()
    assert calls == ["serve"]
    monkeypatch.setattr(api.cli, "keep_freed_memory", lambda: calls.append("cli") or True)
    assert api.cli.main(["sample-size", "--margin", "0.05"]) == 0
    assert calls == ["serve", "cli"]


_PRETOUCH_PROBE = textwrap.dedent(
    """
    import resource
    import sys
    import numpy as np
    from api.process_memory import keep_freed_memory, pretouch_heap

    assert keep_freed_memory()
    touched = pretouch_heap(int(sys.argv[1]))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    blocks = [np.ones(2_000_000) for _ in range(25)]  # a large request's 400 MB of arrays
    print(touched, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    """
)


def _faults_after_pretouch(megabytes: int) -> tuple[int, int]:
    done = subprocess.run(
        [sys.executable, "-c", _PRETOUCH_PROBE, str(megabytes)], capture_output=True, text=True, check=True
    )
    touched, faults = done.stdout.split()
    return int(touched), int(faults)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc on Linux")
def test_pretouched_heap_serves_a_large_request_without_page_faults() -> None:
    touched, faults = _faults_after_pretouch(0)
    assert touched == 0 and faults > 5_000  # 400 MB of new pages (at most 100,000 faults of 4 KiB)
    touched, faults = _faults_after_pretouch(512)
    assert touched == 512 and faults < 500


def test_served_workers_pretouch_the_heap_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    import api.app
    from api.settings import Settings, SettingsError

    touched: list[int] = []
    monkeypatch.setattr(api.app, "pretouch_heap", lambda mb: touched.append(mb) or mb)
    monkeypatch.setattr(api.app, "create_app", lambda settings: api.app.Litestar(route_handlers=[]))
    monkeypatch.setenv("SIPAS_PRETOUCH_MB", "64")
    app = api.app.app_from_env()
    for hook in app.on_startup:
        hook()  # type: ignore[call-arg]
    assert touched == [64]
    for bad in ("-1", "lots", "65537"):
        monkeypatch.setenv("SIPAS_PRETOUCH_MB", bad)
        with pytest.raises(SettingsError, match="SIPAS_PRETOUCH_MB"):
            Settings.from_env()
