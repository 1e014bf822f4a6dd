"""`sipas …` run in this process, as a subprocess would run it: the given environment only, its own standard
streams, its exit status, and nothing left behind (the environment and the tables' engine come back).

A subprocess costs the interpreter's start and the application's imports (seconds each on a busy 2-core
machine) for every command; here the command runs in a thread of its own (``asyncio.run`` needs a thread
without a running event loop, and async tests have one). ``sipas serve`` and anything that must survive a
SIGKILL still run as real subprocesses (tests/support/loadgen.py); tests/api/test_cli_server.py checks the
real ``python -m api.cli`` entry point once.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from unittest import mock

from api.cli import main
from api.database import use_engine
from survey_engine.tables import ALL_TABLES

__all__ = ["run_sipas"]

_ONE_AT_A_TIME = threading.Lock()  # the standard streams and the environment are the process's


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    raw = stream.buffer
    assert isinstance(raw, io.BytesIO)
    # as subprocess.run(text=True) decodes: UTF-8, universal newlines
    return raw.getvalue().decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def run_sipas(
    args: list[str], env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``sipas args`` with ``env`` as its whole environment and ``stdin`` as its input."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    given = io.TextIOWrapper(io.BytesIO((stdin or "").encode("utf-8")), encoding="utf-8")
    status: list[int] = []
    failure: list[BaseException] = []

    def command() -> None:
        try:
            status.append(main(list(args)))
        except SystemExit as exc:  # argparse: --help (0) and usage errors (2)
            code = exc.code
            status.append(code if isinstance(code, int) else (0 if code is None else 1))
        except BaseException as exc:  # an uncaught exception: exit 1 with the traceback, as Python does
            failure.append(exc)
            status.append(1)

    with _ONE_AT_A_TIME, mock.patch.dict(os.environ, env, clear=True):
        engine = ALL_TABLES[0]._meta.db
        streams = (sys.stdin, sys.stdout, sys.stderr)
        sys.stdin, sys.stdout, sys.stderr = given, out, err
        try:
            worker = threading.Thread(target=command, name="sipas-cli")
            worker.start()
            worker.join()
        finally:
            sys.stdin, sys.stdout, sys.stderr = streams
            use_engine(engine)
    stderr = _text(err)
    if failure:
        import traceback

        stderr += "".join(traceback.format_exception(failure[0]))
    return subprocess.CompletedProcess(["sipas", *args], status[0], _text(out), stderr)
