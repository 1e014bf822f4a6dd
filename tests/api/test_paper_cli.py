"""`sipas paper print|dispatch|return|status` against the database the test application uses."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pypdf

from api.settings import Settings
from survey_engine.tables import PaperCopy
from tests.api.conftest import World
from tests.api.test_cli_server import sipas
from tests.support.paper import paper_wave


def env_for(settings: Settings, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "SIPAS_"))}
    env.update(
        DATABASE_URL=settings.database_url,
        SIPAS_SECRET_KEY=settings.secret_key,
        SIPAS_DATA_DIR=str(tmp_path / "data"),
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
    )
    return env


async def run(args: list[str], env: dict[str, str], stdin: str | None = None) -> tuple[int, str, str]:
    done = await asyncio.to_thread(sipas, args, env, stdin)
    return done.returncode, done.stdout, done.stderr


async def test_print_dispatch_return_and_status(world: World, tmp_path: Path) -> None:
    await paper_wave(world)
    env = env_for(world.app.state.services.settings, tmp_path)
    out = tmp_path / "copies.pdf"
    code, stdout, stderr = await run(
        ["paper", "print", "--wave", "P1", "--point", "A1-Q1", "--copies", "3", "--out", str(out)], env
    )
    assert code == 0, stderr
    assert stdout.strip() == f"wrote 3 copies of batch B001 to {out}"
    reader = pypdf.PdfReader(out)
    pages_per_copy = len(reader.pages) // 3
    serials = [r["serial"] for r in await PaperCopy.select(PaperCopy.serial).order_by(PaperCopy.id)]
    for n, serial in enumerate(serials):
        text = reader.pages[n * pages_per_copy].extract_text()
        assert f"{serial[:4]}-{serial[4:8]}-{serial[8:]}" in text and "Câu 1." in text
    code, stdout, stderr = await run(["paper", "dispatch", "--wave", "P1", "--batch", "B001"], env)
    assert (code, stdout.strip()) == (0, "batch B001: 3 copies sent"), stderr
    code, _, stderr = await run(["paper", "dispatch", "--wave", "P1", "--batch", "B001"], env)
    assert code == 2 and stderr.startswith("error: batch B001 was dispatched already")
    code, stdout, stderr = await run(
        ["paper", "return", "--wave", "P1", "--status", "refused", "-"], env, stdin=f"{serials[0]}\n"
    )
    assert (code, stdout.strip()) == (0, "1 copies recorded as refused"), stderr
    code, _, stderr = await run(
        ["paper", "return", "--wave", "P1", "--status", "refused", "12345678901"], env
    )
    assert code == 2 and "12345678901: not a valid serial" in stderr and "Traceback" not in stderr
    code, stdout, stderr = await run(["paper", "status", "--wave", "P1"], env)
    assert code == 0, stderr
    lines = [line.split("\t") for line in stdout.splitlines()]
    assert lines[0][:7] == ["", "copies", "printed", "sent", "returned", "undeliverable", "refused"]
    assert lines[1][:7] == ["all", "3", "0", "2", "0", "0", "1"]
    assert [line[0] for line in lines[2:]] == ["batch B001", "agency A1"]
    # bad input: one line on stderr, exit 2, nothing stored
    code, _, stderr = await run(["paper", "print", "--wave", "P1", "--point", "NOPE", "--out", str(out)], env)
    assert code == 2 and "NOPE is not an active service point of wave P1" in stderr
    code, _, stderr = await run(["paper", "print", "--wave", "P1", "--sample", "--out", str(out)], env)
    assert code == 2 and "not drawn" in stderr
    code, _, stderr = await run(["paper", "print", "--wave", "P1", "--point", "A1-Q1", "--out", "x.txt"], env)
    assert code == 2 and "--out must end in .pdf" in stderr
    assert await PaperCopy.count() == 3
