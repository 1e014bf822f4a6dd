"""Paper copies end to end on SQLite and PostgreSQL: print runs, single and double entry through the console,
reconciliation, keyer error rates, scans, refusals, and the link of a sampled copy to its unit."""

from __future__ import annotations

import io
import json
from typing import Any

import pypdf
import pytest

from survey_engine.actors import SYSTEM
from survey_engine.collection.receipts import dossier_hash
from survey_engine.errors import Conflict
from survey_engine.fieldwork.sample_units import sampled_units
from survey_engine.paper.entry import submission_id
from survey_engine.paper.serials import display_serial, new_serial
from survey_engine.tables import AuditLog, PaperCopy, PaperKeying, PaperScan, Submission
from tests.api.conftest import World
from tests.api.test_fieldwork import SECRET, frame_csv, post_frame
from tests.support.console import Console, text_of
from tests.support.paper import ANSWERS, FILLED, add_keyers, paper_wave

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def print_point(world: World, wave: str = "P1", point: str = "A1-Q1", copies: int = 3) -> list[str]:
    run = await world.app.state.services.paper.print_run(SYSTEM, wave, point=point, copies=copies)
    return [c.serial for c in run.copies]


async def key(console: Console, serial: str, keys: dict[str, str], wave: str = "P1", **files: Any) -> Any:
    digits = serial.replace("-", "")
    if files:
        return await console.world.client.post(
            f"/staff/paper/{wave}/entry/{digits}",
            data={"_csrf": console.csrf, **keys},
            files=files,
            headers=console._headers(),
            follow_redirects=False,
        )
    return await console.post(f"/staff/paper/{wave}/entry/{digits}", keys)


async def open_serial(console: Console, serial: str, wave: str = "P1") -> Any:
    return await console.post(f"/staff/paper/{wave}/open", {"serial": serial})


async def test_single_entry_becomes_one_paper_submission(world: World) -> None:
    await paper_wave(world)
    await add_keyers(world)
    serial = (await print_point(world))[0]
    clerk = Console(world, "clerk1")
    opened = await open_serial(clerk, serial)
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/staff/paper/P1/entry/{serial.replace('-', '')}"
    screen = await clerk.get(opened.headers["location"])
    assert screen.status_code == 200
    page = text_of(screen.text)
    # the screen mirrors the paper: numbers, the skip instruction, the keys of each box
    assert "Chỉ trả lời câu 2 đến 3 nếu câu 1 là “Có”. Nếu không, chuyển đến câu 4." in page
    assert "1 Có · 2 Không → câu 4" in page and "0 Không biết / Không áp dụng" in page
    assert "autofocus" in screen.text and 'inputmode="numeric"' in screen.text
    stored = await key(clerk, serial, FILLED)
    assert stored.status_code == 303 and stored.headers["location"] == "/staff/paper/P1?done=paper_stored"
    rows = await Submission.select().where(Submission.client_id == submission_id(serial.replace("-", "")))
    assert len(rows) == 1 and rows[0]["channel"] == "paper"
    assert json.loads(rows[0]["answers"]) == ANSWERS
    copy = await PaperCopy.select().where(PaperCopy.serial == serial.replace("-", "")).first()
    assert copy["entry"] == "done" and copy["status"] == "returned"
    again = await open_serial(Console(world, "clerk2"), serial)
    assert again.status_code == 409 and "đã được nhập xong" in text_of(again.text)


async def test_invalid_keys_store_nothing_and_say_what_is_wrong(world: World) -> None:
    await paper_wave(world)
    await add_keyers(world)
    serial = (await print_point(world))[0]
    clerk = Console(world, "clerk1", lang="en")
    # 7 is no box of question 2; question 3 is required when question 1 is yes; 9 is no option of question 4
    bad = await key(clerk, serial, {"Q1": "1", "Q2": "7", "Q4": "19"})
    assert bad.status_code == 422
    page = text_of(bad.text)
    assert "“7” is not a box of this question (boxes: 1, 2, 3, 4, 5, 0)" in page
    assert "This item is required." in page and "Q4" in page
    assert 'value="7"' in bad.text  # what was keyed stays on the screen
    hidden = await key(clerk, serial, {"Q1": "2", "Q2": "4"})  # answered a question the rule skips
    assert hidden.status_code == 422 and "not shown" in text_of(hidden.text)
    assert await PaperKeying.count() == 0 and await Submission.count() == 0


async def test_double_entry_identical_keyings_make_one_response_linked_to_nothing_before(
    world: World,
) -> None:
    await paper_wave(world, settings={"paper_double_entry": True})
    await add_keyers(world)
    serial = (await print_point(world))[0]
    first = await key(Console(world, "clerk1"), serial, FILLED)
    assert first.headers["location"] == "/staff/paper/P1?done=paper_first"
    assert await Submission.count() == 0  # nothing is a response before the second keying
    twice = await open_serial(Console(world, "clerk1"), serial)
    assert twice.status_code == 409
    assert "lần nhập thứ hai phải do người khác thực hiện" in text_of(twice.text)
    twice_post = await key(Console(world, "clerk1"), serial, FILLED)
    assert twice_post.status_code == 409 and await PaperKeying.count() == 1
    spaced = {**FILLED, "Q4": " 3 1 "}  # the same ticks keyed another way
    second = await key(Console(world, "clerk2"), serial, spaced)
    assert second.headers["location"] == "/staff/paper/P1?done=paper_stored"
    rows = await Submission.select(Submission.channel, Submission.answers)
    assert len(rows) == 1 and rows[0]["channel"] == "paper" and json.loads(rows[0]["answers"]) == ANSWERS


async def test_double_entry_differences_wait_for_the_supervisor_who_decides(world: World) -> None:
    await paper_wave(world, settings={"paper_double_entry": True})
    await add_keyers(world)
    serial = (await print_point(world))[0]
    digits = serial.replace("-", "")
    await key(Console(world, "clerk1"), serial, FILLED)
    other = {**FILLED, "Q2": "5", "Q5": "Nhân viên nhiệt tinh"}
    second = await key(Console(world, "clerk2"), serial, other, scan=("scan.png", PNG, "image/png"))
    assert second.headers["location"] == "/staff/paper/P1?done=paper_reconcile"
    assert await Submission.count() == 0 and await PaperScan.count() == 1
    clerk_again = await open_serial(Console(world, "clerk1"), serial)
    assert clerk_again.status_code == 409 and "chờ người giám sát đối chiếu" in text_of(clerk_again.text)
    statistician = Console(world, "statistician")
    wave_page = text_of((await statistician.get("/staff/paper/P1")).text)
    assert serial in wave_page
    screen = await statistician.get(f"/staff/paper/P1/reconcile/{digits}")
    page = text_of(screen.text)
    assert "4 Hài lòng" in page and "5 Rất hài lòng" in page
    assert "clerk1@example.org" in page and "clerk2@example.org" in page
    assert f'src="/staff/paper/P1/scan/{digits}"' in screen.text
    image = await statistician.get(f"/staff/paper/P1/scan/{digits}")
    assert image.content == PNG and image.headers["content-type"] == "image/png"
    assert (await Console(world, "clerk1").get(f"/staff/paper/P1/scan/{digits}")).status_code == 403
    missing = await statistician.post(f"/staff/paper/P1/reconcile/{digits}", {"pick_Q2": "1"})
    assert missing.status_code == 422 and await Submission.count() == 0
    no_csrf = await statistician.post(
        f"/staff/paper/P1/reconcile/{digits}", {"pick_Q2": "1", "pick_Q5": "1"}, csrf=False
    )
    assert no_csrf.status_code == 400 and await Submission.count() == 0
    decided = await statistician.post(
        f"/staff/paper/P1/reconcile/{digits}", {"pick_Q2": "1", "pick_Q5": "own", "own_Q5": "Rất tốt"}
    )
    assert decided.headers["location"] == "/staff/paper/P1?done=paper_reconciled"
    row = await Submission.select(Submission.answers).first()
    assert json.loads(row["answers"]) == {**ANSWERS, "Q5": "Rất tốt"}
    rates = await world.app.state.services.paper.keyer_rates(SYSTEM, "P1")
    by_keyer = {r.keyer: r for r in rates}
    # clerk1 keyed Q2 as decided and Q5 not; clerk2 got both wrong; 5 fields each
    assert (by_keyer["clerk1@example.org"].errors, by_keyer["clerk1@example.org"].fields) == (1, 5)
    assert (by_keyer["clerk2@example.org"].errors, by_keyer["clerk2@example.org"].rate) == (2, 0.4)
    assert await AuditLog.count().where(AuditLog.action == "paper_reconcile") == 1


async def test_serial_refusals_are_clear(world: World) -> None:
    await paper_wave(world)
    await paper_wave(world, code="P2")
    await add_keyers(world)
    serial = (await print_point(world, wave="P2"))[0]
    clerk = Console(world, "clerk1")
    other_wave = await open_serial(clerk, serial, wave="P1")
    assert other_wave.status_code == 422 and "thuộc đợt khảo sát P2" in text_of(other_wave.text)
    digits = serial.replace("-", "")
    typo = digits[:3] + str((int(digits[3]) + 1) % 10) + digits[4:]
    bad = await open_serial(clerk, typo, wave="P2")
    assert bad.status_code == 422 and "chữ số kiểm tra" in text_of(bad.text)
    unknown = await open_serial(clerk, display_serial(new_serial()), wave="P2")
    assert unknown.status_code == 422 and "Không có phiếu nào mang số này" in text_of(unknown.text)
    posted = await key(clerk, serial, FILLED, wave="P1")  # straight to the keying address of another wave
    assert posted.status_code == 422 and await PaperKeying.count() == 0


async def test_scans_are_size_limited_and_type_checked(world: World) -> None:
    await paper_wave(world)
    await add_keyers(world)
    serial = (await print_point(world))[0]
    clerk = Console(world, "clerk1")
    fake = await key(clerk, serial, FILLED, scan=("scan.png", b"<svg onload=alert(1)>", "image/png"))
    assert fake.status_code == 422 and "PNG hoặc JPEG" in text_of(fake.text)
    huge = await key(
        clerk, serial, FILLED, scan=("scan.jpg", b"\xff\xd8\xff" + b"0" * (6 * 1024 * 1024), "image/jpeg")
    )
    assert huge.status_code == 413
    assert await PaperKeying.count() == 0 and await Submission.count() == 0


async def test_roles_and_agency_scope(world: World) -> None:
    await paper_wave(world, settings={"paper_entry_by_agency": True})
    await add_keyers(world, agency="A1")
    a2_serial = (await print_point(world, point="A2-Q1", copies=1))[0]
    a1_serial = (await print_point(world, point="A1-Q1", copies=1))[0]
    clerk = Console(world, "clerk1")
    assert (await open_serial(clerk, a2_serial)).status_code == 404
    assert (await open_serial(clerk, a1_serial)).status_code == 303
    for role in ("agency", "interviewer"):
        assert (await Console(world, role).get("/staff/paper")).status_code == 403
    page = text_of((await clerk.get("/staff/paper/P1")).text)
    assert "In phiếu" not in page and "Số phiếu" in page  # clerks key; they do not print
    assert (
        await clerk.post("/staff/paper/P1/print", {"source": "point", "point": "A1-Q1"})
    ).status_code == 403
    assert (await clerk.get(f"/staff/paper/P1/reconcile/{a1_serial.replace('-', '')}")).status_code == 403


async def test_console_print_downloads_a_pdf_and_dispatch_and_returns_show_in_progress(world: World) -> None:
    await paper_wave(world)
    admin = Console(world, "admin")
    printed = await admin.post("/staff/paper/P1/print", {"source": "point", "point": "A1-Q1", "copies": "4"})
    assert printed.status_code == 200 and printed.headers["content-type"] == "application/pdf"
    assert printed.headers["x-sipas-batch"] == "B001" and printed.headers["x-sipas-copies"] == "4"
    reader = pypdf.PdfReader(io.BytesIO(printed.content))
    serials = [s["serial"] for s in await PaperCopy.select(PaperCopy.serial).order_by(PaperCopy.id)]
    assert len(serials) == 4 and display_serial(serials[0]) in reader.pages[0].extract_text()
    bad = await admin.post("/staff/paper/P1/print", {"source": "point", "point": "A1-Q1", "copies": "0"})
    assert bad.status_code == 422 and await PaperCopy.count() == 4
    sent = await admin.post("/staff/paper/P1/dispatch", {"batch": "B001"})
    assert sent.headers["location"] == "/staff/paper/P1?done=paper_dispatched"
    returns = await admin.post(
        "/staff/paper/P1/returns",
        {"serials": f"{serials[0]}\n{display_serial(serials[1])}", "status": "undeliverable"},
    )
    assert returns.status_code == 303
    wrong = await admin.post(
        "/staff/paper/P1/returns", {"serials": f"{serials[2]}\n12345678901", "status": "refused"}
    )
    assert wrong.status_code == 422 and "12345678901" in text_of(wrong.text)
    progress = await world.app.state.services.paper.paper_progress(SYSTEM, "P1")
    assert progress.overall.statuses == {
        "printed": 0,
        "sent": 2,
        "returned": 0,
        "undeliverable": 2,
        "refused": 0,
    }
    assert [b.batch for b in progress.batches] == ["B001"] and progress.agencies[0].agency == "A1"
    page = text_of((await admin.get("/staff/paper/P1")).text)
    assert "Lô B001" in page and "Không phát được" in page


@pytest.mark.parametrize("status", ["refused", "returned"])
async def test_sampled_copies_link_responses_and_refusals_to_their_units(world: World, status: str) -> None:
    await paper_wave(world)
    assert (await post_frame(world, frame_csv(per_cell=5), wave="P1")).status_code == 201
    drawn = await world.client.post(
        "/api/v1/waves/P1/draw", json={"strata": ["agency"], "n": 6, "seed": 3}, headers=world.auth("admin")
    )
    assert drawn.status_code == 201, drawn.text
    codes = [f"H-{a}-{f}-{i:04d}" for a in ("A1", "A2") for f in range(2) for i in range(10)]
    hashes = {dossier_hash(SECRET, c): c for c in codes}
    addresses = "dossier_code,name,address\n" + "".join(
        f"{c},Nguyễn Văn {i},Số {i} phố Huế|Hà Nội\n" for i, c in enumerate(codes)
    )
    run = await world.app.state.services.paper.print_run(
        SYSTEM, "P1", sample=True, addresses=addresses.encode(), secret_key=SECRET
    )
    assert len(run.copies) == 6 and all(
        c.address and c.address[0].startswith("Nguyễn Văn") for c in run.copies
    )
    with pytest.raises(Conflict, match="already has a printed copy"):  # a second run prints nothing new
        await world.app.state.services.paper.print_run(SYSTEM, "P1", sample=True, secret_key=SECRET)
    copy = await PaperCopy.select().where(PaperCopy.batch.code == "B001").order_by(PaperCopy.id).first()
    assert copy["dossier_hash"] in hashes and copy["sample_unit"] is not None
    wave_id = copy["wave"]
    if status == "refused":
        await world.app.state.services.paper.record_returns(SYSTEM, "P1", [copy["serial"]], "refused")
        expected = "refusal"
    else:
        await add_keyers(world)
        assert (await key(Console(world, "clerk1"), copy["serial"], FILLED)).status_code == 303
        row = await Submission.select(Submission.dossier_hash, Submission.channel).first()
        assert row == {"dossier_hash": copy["dossier_hash"], "channel": "paper"}
        expected = "complete"
    fieldwork = text_of((await Console(world, "admin").get("/staff/fieldwork/P1")).text)
    assert "Phiếu giấy theo cơ quan và lô gửi" in fieldwork and "Lô B001" in fieldwork
    units = {u.id: u.status for u in await sampled_units(wave_id)}
    assert units[copy["sample_unit"]] == expected
    assert sum(1 for s in units.values() if s == expected) == 1
