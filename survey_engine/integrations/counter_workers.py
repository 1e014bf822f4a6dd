"""Parse workers for large NDJSON imports (``sipas counter import FILE.ndjson``).

Reading, checking and building a rating's row costs about as much Python as storing it, and two threads of
one process cannot run Python at the same time: in one process an import of 1,000,000 lines spent most of
its time with the parser and the writer waiting for each other. So a large file is parsed in worker
processes while the importing process only stores: it reads the file in blocks of whole lines, each worker
turns a block into rows (:class:`~survey_engine.integrations.counter_rows.RowBuilder`, the code the
in-process path uses), and the blocks come back in file order, so the import decides and stores lines in
the same order as in one process and reports the same line numbers.

Workers are started with ``spawn`` (a fresh interpreter, never a fork of a process running threads and an
event loop) and receive what they need once: the secret key, the open-wave targets in scope, the time.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections import deque
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from survey_engine.errors import FieldProblem
from survey_engine.integrations.counter_lines import MAX_LINE_BYTES, LineRejected, NdjsonReader
from survey_engine.integrations.counter_rows import BuiltLines, RowBuilder, Wanted, targets_from

BLOCK_BYTES = 2 * 1024 * 1024  # about 10,000 ratings: small enough to start storing soon after the start
MAX_WORKERS = 4


@dataclass(frozen=True)
class WorkerContext:
    """What every worker needs, sent once when it starts."""

    secret_key: str
    found: list[dict[str, Any]]  # the open-wave target query's rows
    in_scope: set[str]  # the service point codes the import may store to
    now: datetime
    wanted: Wanted
    times_as_text: bool  # SQLite: times in the text Piccolo stores them as (see RowBuilder)


def worker_count() -> int:
    """Parse workers for this machine: every core but the one that stores, at most four (none on a single
    core, where a worker would only add the cost of sending rows between processes)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(0, min(MAX_WORKERS, cores - 1))


_builder: RowBuilder | None = None
_reader: NdjsonReader | None = None


def _start(context: WorkerContext) -> None:
    global _builder, _reader  # one builder per worker process, made once
    targets = targets_from(context.found, context.in_scope)
    _builder = RowBuilder(context.secret_key, targets, context.now, context.wanted, context.times_as_text)
    _reader = NdjsonReader(context.now)


def parse_block(first_number: int, data: bytes) -> BuiltLines:
    """The lines of ``data`` (whole lines, the first numbered ``first_number``) read, checked and built."""
    if _builder is None or _reader is None:  # pragma: no cover - the pool's initializer always ran
        raise RuntimeError("parse worker not started")
    parsed = BuiltLines()
    pieces = data.split(b"\n")
    if data.endswith(b"\n"):
        pieces.pop()  # the newline ends the last line; it does not start another
    read, build = _reader.read, _builder.build
    for number, piece in enumerate(pieces, start=first_number):
        line = read(number, piece.rstrip(b"\r"))
        if line is not None:  # a blank line is skipped, but it keeps its number
            parsed.add(build(line))
    return parsed


@dataclass(frozen=True)
class _Block:
    first_number: int
    data: bytes
    too_long: list[int]  # numbers of lines before this block too long to read (skipped, not sent)


def file_blocks(path: Path, block_bytes: int = BLOCK_BYTES) -> Iterator[_Block]:
    """The file in blocks of whole lines. A line longer than MAX_LINE_BYTES is skipped up to its end (its
    number reported), so a file without newlines never has to fit in memory."""
    number, rest, skipping, too_long = 1, b"", False, []
    with path.open("rb") as handle:
        while chunk := handle.read(block_bytes):
            if skipping:
                end = chunk.find(b"\n")
                if end < 0:
                    continue
                skipping, chunk, number = False, chunk[end + 1 :], number + 1
            data = rest + chunk
            cut = data.rfind(b"\n")
            if cut < 0:
                if len(data) > MAX_LINE_BYTES:
                    too_long.append(number)
                    skipping, rest = True, b""
                else:
                    rest = data
                continue
            block, rest = data[: cut + 1], data[cut + 1 :]
            yield _Block(number, block, too_long)
            number, too_long = number + block.count(b"\n"), []
            if len(rest) > MAX_LINE_BYTES:
                too_long.append(number)
                skipping, rest = True, b""
    if rest or too_long:
        yield _Block(number, rest, too_long)


def too_long_line(number: int) -> LineRejected:
    problem = FieldProblem("", f"the line is longer than {MAX_LINE_BYTES} bytes", "invalid")
    return LineRejected(number, [problem])


class ParsePool:
    """Worker processes parsing one file's blocks; ``async with`` starts and stops them."""

    def __init__(self, context: WorkerContext, workers: int, block_bytes: int = BLOCK_BYTES) -> None:
        self.context = context
        self.workers = workers
        self.block_bytes = block_bytes
        self._pool: ProcessPoolExecutor | None = None

    async def __aenter__(self) -> ParsePool:
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=(self.context,),
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, True, cancel_futures=True)

    async def blocks(self, path: Path) -> AsyncIterator[BuiltLines]:
        """The file's blocks parsed, in file order; a few are parsed ahead while the caller stores."""
        if self._pool is None:
            raise RuntimeError("ParsePool used outside `async with`")
        ahead: deque[tuple[list[int], asyncio.Future[BuiltLines]]] = deque()
        depth = 2 * self.workers + 1
        for block in file_blocks(path, self.block_bytes):
            future = asyncio.wrap_future(self._pool.submit(parse_block, block.first_number, block.data))
            ahead.append((block.too_long, future))
            if len(ahead) > depth:
                yield await _done(*ahead.popleft())
        while ahead:
            yield await _done(*ahead.popleft())


async def _done(too_long: list[int], future: asyncio.Future[BuiltLines]) -> BuiltLines:
    parsed = await future
    if too_long:
        parsed.lines += len(too_long)
        parsed.rejected[:0] = [too_long_line(n) for n in too_long]
    return parsed
