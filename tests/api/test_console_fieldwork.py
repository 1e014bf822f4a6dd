"""Console frames and samples: roles, frame import and its report, plan preview, draw, weights, letters."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

from survey_engine.collection.receipts import dossier_hash, sign_receipt
from survey_engine.tables import Frame, FrameUnit, Sample, SampleUnit, Wave, WeightRun
from tests.api.conftest import World, create_open_wave
from tests.api.test_fieldwork import SECRET, frame_csv, submit_dossier
from tests.support.console import Console, text_of

CSV = "text/csv"
BAD = (
    "dossier_code,agency,field,completed_on,phone\n"
    "D-1,A1,Hộ tịch,2026-03-01,0912345678\n"
    "D-1,A1,Hộ tịch,2026-03-01,\n"  # duplicate in the file
    "D-3,ZZ,Hộ tịch,2026-03-01,\n"  # unknown agency
    "D-5,A1,Hộ tịch,31/02/2026,\n"  # bad date
    "D-7,A1,Hộ tịch,2026-03-01,12345\n"  # bad phone
)
PLAN = {
    "strata": "agency_field",
    "target": "n",
    "n": "40",
    "margin": "",
    "allocation": "proportional",
    "power_q": "0,5",
    "min_per_stratum": "",
    "max_per_stratum": "",
    "response_rate": "50",
    "deff": "1",
    "p": "50",
    "method": "srs",
}


async def upload(console: Console, path: str, body: str | bytes, data: dict[str, Any] | None = None) -> Any:
    content = body.encode() if isinstance(body, str) else body
    files = {"file": ("frame.csv", content, CSV)}
    form = {"_csrf": console.csrf, **(data or {})}
    return await console.world.client.post(
        path, data=form, files=files, headers=console._headers(), follow_redirects=False
    )


async def counts() -> tuple[int, int]:
    return await Frame.count(), await FrameUnit.count()


async def test_only_admin_and_statistician_reach_fieldwork(world: World) -> None:
    await create_open_wave(world)
    for role in ("agency", "interviewer"):
        console = Console(world, role)
        for path in ("/staff/fieldwork", "/staff/fieldwork/W1"):
            response = await console.get(path)
            assert response.status_code == 403, (role, path)
            assert "Không có quyền truy cập" in text_of(response.text)
        assert (await upload(console, "/staff/fieldwork/W1/frame", frame_csv())).status_code == 403
        assert (await console.post("/staff/fieldwork/W1/plan", PLAN)).status_code == 403
        assert (await console.post("/staff/fieldwork/W1/draw", {**PLAN, "seed": "1"})).status_code == 403
        assert (await console.post("/staff/fieldwork/W1/weights", {})).status_code == 403
    assert await counts() == (0, 0) and await Sample.count() == 0
    for role in ("admin", "statistician"):
        listed = await Console(world, role).get("/staff/fieldwork")
        assert listed.status_code == 200 and "/staff/fieldwork/W1" in listed.text
    assert (await Console(world, "admin").get("/staff/fieldwork/NOPE")).status_code == 404


async def test_a_bad_frame_shows_the_row_report_and_stores_nothing_then_a_good_one_is_imported(
    world: World,
) -> None:
    await create_open_wave(world)
    statistician = Console(world, "statistician")
    response = await upload(statistician, "/staff/fieldwork/W1/frame", BAD)
    assert response.status_code == 422
    text = text_of(response.text)
    assert "Tệp chưa được nhập: có 4 lỗi. Không có dòng nào được lưu." in text
    assert "Dòng Cột Vấn đề" in text
    for line, column, problem in (
        ("3", "dossier_code", "Trùng mã hồ sơ với một dòng trước trong tệp."),
        ("4", "agency", "Không có cơ quan mã ZZ."),
        ("5", "completed_on", "Ngày không hợp lệ"),
        ("6", "phone", "Số điện thoại không hợp lệ"),
    ):
        assert f"{line} {column} {problem}" in text
    assert "12345" not in response.text and "D-1" not in response.text  # never quoted back
    assert await counts() == (0, 0)
    header = await upload(statistician, "/staff/fieldwork/W1/frame", "dossier_code,agency\nX,A1\n")
    assert header.status_code == 422 and "Thiếu cột field." in text_of(header.text)
    too_big = await upload(statistician, "/staff/fieldwork/W1/frame", b"a" * (1024 * 1024 + 10))
    assert too_big.status_code == 413 and "sipas frame import" in text_of(too_big.text)
    empty = await upload(statistician, "/staff/fieldwork/W1/frame", b"")
    assert empty.status_code == 422 and "Chọn một tệp CSV hoặc XLSX." in text_of(empty.text)
    good = await upload(statistician, "/staff/fieldwork/W1/frame", frame_csv(), {"name": "Tháng 3"})
    assert (
        good.status_code == 303
        and good.headers["location"] == "/staff/fieldwork/W1?done=fw_imported#fw-frame"
    )
    assert await counts() == (1, 120)
    page = await statistician.get("/staff/fieldwork/W1", done="fw_imported")
    text = text_of(page.text)
    assert "Đã nhập khung mẫu." in text and "Tháng 3" in text and "Hồ sơ trong khung mẫu: 120" in text
    assert "Hộ tịch" in text and "Đất đai" in text
    english = await upload(Console(world, "admin", lang="en"), "/staff/fieldwork/W1/frame", BAD)
    assert "Line Column Problem" in text_of(english.text) and "Agency ZZ does not exist" in english.text


async def test_a_frame_in_a_legacy_encoding_is_reported_in_the_page_language(world: World) -> None:
    # The report chooses its words by the problem's reason; the regex it replaced never matched this one.
    await create_open_wave(world)
    legacy = "dossier_code,agency,field,completed_on\nD-1,A1,Đăng,2026-03-02\n".encode("cp1258")
    response = await upload(Console(world, "statistician"), "/staff/fieldwork/W1/frame", legacy)
    assert response.status_code == 422
    assert "2 — Dòng này không phải UTF-8 (có thể là Windows-1258" in text_of(response.text)
    english = await upload(Console(world, "admin", lang="en"), "/staff/fieldwork/W1/frame", legacy)
    assert "2 — Is not UTF-8 (Windows-1258 or another legacy encoding?)" in text_of(english.text)


async def test_csrf_is_required_and_nothing_changes_without_it(world: World) -> None:
    await create_open_wave(world)
    admin = Console(world, "admin")
    files = {"file": ("frame.csv", frame_csv().encode(), CSV)}
    forged = await world.client.post(
        "/staff/fieldwork/W1/frame",
        data={"_csrf": "forged"},
        files=files,
        headers=admin._headers(),
        follow_redirects=False,
    )
    assert forged.status_code == 400 and "Biểu mẫu đã hết hạn" in text_of(forged.text)
    assert await counts() == (0, 0)
    assert (await upload(admin, "/staff/fieldwork/W1/frame", frame_csv())).status_code == 303
    for path, data in (
        ("/staff/fieldwork/W1/plan", {**PLAN, "save": "1"}),
        ("/staff/fieldwork/W1/draw", {**PLAN, "seed": "7"}),
    ):
        assert (await admin.post(path, data, csrf=False)).status_code == 400
    assert await Sample.count() == 0
    settings = (await Wave.select(Wave.settings).output(load_json=True).first())["settings"]
    assert "sampling_plan" not in settings


async def test_plan_preview_shows_margins_per_agency_and_stores_nothing(world: World) -> None:
    await create_open_wave(world)
    admin = Console(world, "admin")
    assert (await upload(admin, "/staff/fieldwork/W1/frame", frame_csv())).status_code == 303
    preview = await admin.post("/staff/fieldwork/W1/plan", PLAN)
    assert preview.status_code == 200, text_of(preview.text)
    plan = (
        await world.client.post(
            "/api/v1/waves/W1/plan",
            json={"strata": ["agency", "field"], "n": 40, "response_rate": 0.5},
            headers=world.auth("admin"),
        )
    ).json()
    text = text_of(preview.text)
    assert "Xem trước: sai số dự kiến theo cơ quan" in text
    for agency in plan["agencies"]:
        margin = f"±{agency['expected_margin'] * 100:.1f}".replace(".", ",") + " điểm %"
        assert margin in text
    assert "Rút mẫu với kế hoạch này" in text and 'name="seed"' in preview.text
    assert await Sample.count() == 0
    settings = (await Wave.select(Wave.settings).output(load_json=True).first())["settings"]
    assert "sampling_plan" not in settings
    by_margin = {**PLAN, "strata": "agency", "target": "margin", "margin": "10", "n": ""}
    preview = await admin.post("/staff/fieldwork/W1/plan", by_margin)
    assert preview.status_code == 200 and "±" in text_of(preview.text)
    saved = await admin.post("/staff/fieldwork/W1/plan", {**by_margin, "save": "1"})
    assert saved.status_code == 303 and saved.headers["location"].endswith("done=fw_plan_saved#fw-plan")
    settings = (await Wave.select(Wave.settings).output(load_json=True).first())["settings"]
    assert settings["sampling_plan"]["margin"] == 0.1
    page = await admin.get("/staff/fieldwork/W1")
    assert 'name="margin" value="10"' in page.text  # the form starts from the saved plan
    wave_page = text_of((await admin.get("/staff/waves/W1")).text)
    assert "Kế hoạch chọn mẫu đã lưu sai số ±10,0 điểm % · Tỷ lệ theo quy mô · Cơ quan" in wave_page
    too_many = await admin.post("/staff/fieldwork/W1/plan", {**PLAN, "n": "1000"})
    assert too_many.status_code == 422 and "Không phân bổ được cỡ mẫu này" in text_of(too_many.text)
    bad = await admin.post(
        "/staff/fieldwork/W1/plan", {**PLAN, "n": "abc", "response_rate": "0", "deff": "0,5"}
    )
    assert bad.status_code == 422
    text = text_of(bad.text)
    assert "Nhập một số nguyên dương." in text and "Nhập một số từ 1 đến 100." in text
    assert "Nhập một số lớn hơn 0 và tối đa 100." in text and await Sample.count() == 0


async def _hashes(wave: str) -> list[str]:
    rows = await SampleUnit.select(SampleUnit.dossier_hash).where(SampleUnit.wave.code == wave)
    return sorted(r["dossier_hash"] for r in rows)


async def test_draw_is_seeded_reproducible_and_happens_once(world: World) -> None:
    await create_open_wave(world, code="W1")
    await create_open_wave(world, code="W2")
    statistician = Console(world, "statistician")
    for wave in ("W1", "W2"):
        assert (await upload(statistician, f"/staff/fieldwork/{wave}/frame", frame_csv())).status_code == 303
    bad_seed = await statistician.post("/staff/fieldwork/W1/draw", {**PLAN, "seed": "-4"})
    assert bad_seed.status_code == 422 and "Nhập một số nguyên không âm" in text_of(bad_seed.text)
    assert 'name="seed" value="-4"' in bad_seed.text and await Sample.count() == 0
    first = await statistician.post("/staff/fieldwork/W1/draw", {**PLAN, "seed": "20261122"})
    assert first.status_code == 303, text_of(first.text)
    assert first.headers["location"] == "/staff/fieldwork/W1?done=fw_drawn#fw-sample"
    assert await SampleUnit.count().where(SampleUnit.wave.code == "W1") == 40
    drawn = await _hashes("W1")
    page = await statistician.get("/staff/fieldwork/W1", done="fw_drawn")
    text = text_of(page.text)
    assert "Đã rút mẫu." in text and "Hạt giống ngẫu nhiên 20261122" in text
    assert "Hộ tịch" in text and "Tiến độ thực địa theo cơ quan" in text
    assert "Kiểm tra và nhập" not in text  # the frame is locked after the draw
    again = await statistician.post("/staff/fieldwork/W1/draw", {**PLAN, "seed": "20261122"})
    assert again.status_code == 409
    assert "đã được rút (hạt giống 20261122) và không thể rút lại" in text_of(again.text)
    assert await _hashes("W1") == drawn
    same = await statistician.post("/staff/fieldwork/W2/draw", {**PLAN, "seed": "20261122"})
    assert same.status_code == 303
    assert await _hashes("W2") == drawn  # the same seed on the same frame: the same sample


async def test_weights_on_demand_with_diagnostics(world: World) -> None:
    await create_open_wave(world)
    admin = Console(world, "admin")
    assert (await upload(admin, "/staff/fieldwork/W1/frame", frame_csv())).status_code == 303
    plan = {**PLAN, "strata": "agency", "n": "24", "allocation": "equal"}
    assert (await admin.post("/staff/fieldwork/W1/draw", {**plan, "seed": "5"})).status_code == 303
    nobody = await admin.post("/staff/fieldwork/W1/weights", {"calibration": "poststratify"})
    assert nobody.status_code == 422
    assert "Chưa có hồ sơ nào trong mẫu trả lời" in text_of(nobody.text) and await WeightRun.count() == 0
    drawn = set(await _hashes("W1"))
    for agency in ("A1", "A2"):
        codes = [f"H-{agency}-{f}-{i:04d}" for f in range(2) for i in range(60)]
        for code in [c for c in codes if dossier_hash(SECRET, c) in drawn][:4]:
            await submit_dossier(world, code) if agency == "A1" else await _submit_a2(world, code)
    form = {"calibration": "rake", "calibration_variables": ["agency", "sex"], "trim_ratio": "3,5"}
    done = await admin.post("/staff/fieldwork/W1/weights", form)
    assert done.status_code == 303, text_of(done.text)
    latest = (await world.client.get("/api/v1/waves/W1/weights", headers=world.auth("admin"))).json()
    assert latest["options"]["trim_ratio"] == 3.5 and latest["options"]["calibration"] == "rake"
    page = await admin.get("/staff/fieldwork/W1", done="fw_weights")
    text = text_of(page.text)
    assert "Đã tính và lưu trọng số." in text and "Hiệu ứng trọng số (1 + CV²)" in text
    effect = f"{latest['diagnostics']['summary']['weighting_effect']:.3f}".replace(".", ",")
    assert effect in text and "Hội tụ Có" in text and "Trọng số lớn nhất" in text
    assert "/api/v1/waves/W1/estimates?series=probability&amp;format=csv" in page.text
    bad = await admin.post("/staff/fieldwork/W1/weights", {"trim_ratio": "1", "calibration": "x"})
    assert bad.status_code == 422 and "Nhập một số lớn hơn 1." in text_of(bad.text)
    assert await WeightRun.count() == 1


async def _submit_a2(world: World, dossier_code: str) -> None:
    import uuid

    token = (await world.client.get("/api/v1/service-points/A2-Q1", headers=world.auth("admin"))).json()[
        "token"
    ]
    body = {
        "id": str(uuid.uuid4()),
        "token": token,
        "answers": {"RATING": 3},
        "channel": "online",
        "language": "vi",
        "receipt": sign_receipt(SECRET, dossier_code, "A2-Q1"),  # the respondent's invitation letter
    }
    assert (await world.client.post("/api/v1/submissions", json=body)).status_code == 201


async def test_letters_from_the_frame_file_given_again(world: World) -> None:
    await create_open_wave(world)
    admin = Console(world, "admin")
    assert (await upload(admin, "/staff/fieldwork/W1/frame", frame_csv())).status_code == 303
    plan = {**PLAN, "strata": "agency", "n": "6", "allocation": "equal"}
    assert (await admin.post("/staff/fieldwork/W1/draw", {**plan, "seed": "3"})).status_code == 303
    files = {"letters_file": ("frame.csv", frame_csv().encode(), CSV)}
    response = await world.client.post(
        "/staff/fieldwork/W1/letters",
        data={"_csrf": admin.csrf, "service_point": ""},
        files=files,
        headers=admin._headers(),
    )
    assert response.status_code == 200, text_of(response.text)
    assert response.headers["content-type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 6
    other = {
        "letters_file": ("other.csv", b"dossier_code,agency,field,completed_on\nZ-1,A1,x,2026-01-01\n", CSV)
    }
    none = await world.client.post(
        "/staff/fieldwork/W1/letters", data={"_csrf": admin.csrf}, files=other, headers=admin._headers()
    )
    assert none.status_code == 422 and "Không hồ sơ nào được chọn vào mẫu có trong tệp này." in none.text


async def test_an_xlsx_frame_is_uploaded_like_a_csv(world: World) -> None:
    from datetime import datetime

    from openpyxl import Workbook

    await create_open_wave(world)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["dossier_code", "agency", "field", "completed_on", "phone"])
    sheet.append(["X-1", "A1", "Hộ tịch", datetime(2026, 3, 1), 912345678])
    sheet.append(["X-2", "A2", "Đất đai", "31/03/2026", None])
    buffer = io.BytesIO()
    book.save(buffer)
    admin = Console(world, "admin")
    files = {"file": ("frame.xlsx", buffer.getvalue(), "application/octet-stream")}
    response = await world.client.post(
        "/staff/fieldwork/W1/frame",
        data={"_csrf": admin.csrf},
        files=files,
        headers=admin._headers(),
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert await counts() == (1, 2)
    page = text_of((await admin.get("/staff/fieldwork/W1")).text)
    assert "Khung mẫu nhập lúc" in page  # the import's default name, in the page language
