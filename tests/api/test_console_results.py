"""Results dashboard pages: the same numbers as the estimates API, agency scope, flags with their reasons,
trend over waves, the counter-rating series apart, filters and downloads.

Data go in through the submissions API (as citizens' forms send them): an earlier and a current wave of
the SIPAS 2017 questionnaire for agencies A1 and A2, and counter ratings for A1 on a wave of their own.
"""

from __future__ import annotations

import asyncio
import random
import re
import uuid
from html import escape
from typing import Any

import pytest

from reports.numbers import format_interval, format_number
from reports.scorecard_texts import reason_text
from survey_engine.actors import SYSTEM
from survey_engine.administration.agencies import ServicePointService
from survey_engine.questionnaire import get_template
from survey_engine.simulate import simulate_answers
from survey_engine.tables import ServicePoint
from tests.api.conftest import World
from tests.support.console import Console, text_of


async def _questionnaire(world: World, template: str) -> None:
    admin = world.auth("admin")
    response = await world.client.post("/api/v1/questionnaires", json={"template": template}, headers=admin)
    assert response.status_code in (201, 409), response.text
    response = await world.client.post(f"/api/v1/questionnaires/{template}/publish", headers=admin)
    assert response.status_code == 200, response.text


async def _wave(
    world: World,
    code: str,
    questionnaire: str,
    year: int,
    points: tuple[str, ...],
    agencies: tuple[str, ...] = ("A1", "A2"),
) -> None:
    admin = world.auth("admin")
    body = {
        "code": code,
        "name_vi": f"Đợt khảo sát {year}",
        "name_en": f"Survey {year}",
        "questionnaire": questionnaire,
        "questionnaire_version": 1,
        "period_start": f"{year}-01-01",
        "period_end": f"{year}-12-31",
        "channels": ["online", "paper"],
        "agencies": list(agencies),
        "service_points": list(points),
    }
    assert (await world.client.post("/api/v1/waves", json=body, headers=admin)).status_code == 201
    response = await world.client.post(f"/api/v1/waves/{code}/status", json={"status": "open"}, headers=admin)
    assert response.status_code == 200, response.text
    world.app.state.services.submissions.forget()


async def _token(point: str) -> str:
    row = await ServicePoint.select(ServicePoint.public_token).where(ServicePoint.code == point).first()
    assert row is not None
    return str(row["public_token"])


async def _post_sipas(world: World, year: int, responses: int, moods: tuple[float, float], seed: int) -> None:
    """Responses to the open SIPAS wave: A1 gets five in six (one in twelve on paper), A2 the rest."""
    tokens = (await _token("A1-Q1"), await _token("A2-Q1"))
    q = get_template("sipas-2017")
    rng = random.Random(seed)

    async def post(i: int) -> None:
        a2 = i % 6 == 5
        answers = simulate_answers(q, rng, moods[1] if a2 else moods[0])
        day = 1 + (i // 2) % 28
        body = {
            "id": str(uuid.uuid4()),
            "token": tokens[1 if a2 else 0],
            "answers": answers,
            "channel": "paper" if i % 12 == 0 else "online",
            "started_at": f"{year}-03-{day:02d}T09:00:00+00:00",
            "submitted_at": f"{year}-03-{day:02d}T09:05:00+00:00",
        }
        # paper forms are keyed in by staff (the API records who entered them)
        headers = world.auth("statistician") if body["channel"] == "paper" else {}
        response = await world.client.post("/api/v1/submissions", json=body, headers=headers)
        assert response.status_code == 201, response.text

    for start in range(0, responses, 40):
        await asyncio.gather(*(post(i) for i in range(start, min(start + 40, responses))))


async def _data(world: World) -> None:
    """E0 (2025, closed) and E1 (2026, open) on SIPAS 2017; counter ratings of A1 in 2026 (wave C1)."""
    await _questionnaire(world, "sipas-2017")
    await _wave(world, "E0", "sipas-2017", 2025, ("A1-Q1", "A2-Q1"))
    await _post_sipas(world, 2025, 180, (0.6, 0.8), seed=5)
    close = await world.client.post(
        "/api/v1/waves/E0/status", json={"status": "closed"}, headers=world.auth("admin")
    )
    assert close.status_code == 200, close.text
    await _wave(world, "E1", "sipas-2017", 2026, ("A1-Q1", "A2-Q1"))
    await _post_sipas(world, 2026, 300, (0.92, 0.7), seed=11)
    # Counter ratings at a second counter of A1, on a counter-3 wave of their own.
    await ServicePointService().create(
        SYSTEM,
        {"code": "A1-Q2", "agency": "A1", "name_vi": "Quầy 2", "name_en": "Counter 2", "kind": "counter"},
    )
    await _questionnaire(world, "counter-3")
    await _wave(world, "C1", "counter-3", 2026, ("A1-Q2",), agencies=("A1",))
    token = await _token("A1-Q2")
    for rating in (3, 3, 3, 2, 1):
        body = {"id": str(uuid.uuid4()), "token": token, "answers": {"RATING": rating}, "channel": "online"}
        assert (await world.client.post("/api/v1/submissions", json=body)).status_code == 201


@pytest.fixture
async def data(world: World) -> World:
    await _data(world)
    return world


async def _api(world: World, **params: Any) -> dict[str, Any]:
    response = await world.client.get(
        "/api/v1/waves/E1/estimates", params=params, headers=world.auth("statistician")
    )
    assert response.status_code == 200, response.text
    return response.json()


def _overall(body: dict[str, Any], **domain: str) -> dict[str, Any]:
    return next(i for i in body["indices"] if i["kind"] == "overall" and i["domain"] == domain)


def _shown(item: dict[str, Any], lang: str = "vi") -> tuple[str, str]:
    return format_number(item["estimate"], lang), format_interval(item["ci_low"], item["ci_high"], lang)


async def test_province_page_shows_the_api_numbers(data: World) -> None:
    response = await Console(data, "statistician").get("/staff/results")
    assert response.status_code == 200, response.text
    html = response.text
    text = text_of(html)
    assert '<option value="E1" selected>' in html  # the latest wave with responses
    assert "C1 —" not in text  # counter-rating waves are a series of their own, not a wave choice
    assert "không phải mẫu xác suất" in text and "Hai chuỗi số liệu không bao giờ được gộp" in text
    body = await _api(data)
    # the series not linked to the sample: channels counted from the data, every mark descriptive
    words = {"online": "trực tuyến", "paper": "phiếu giấy"}
    listed = "; ".join(f"{words[c['channel']]}: {c['responses']} phiếu" for c in body["channels"])
    assert f"Kênh có trong chuỗi này (đếm từ dữ liệu): {listed}." in text
    assert "(chỉ mô tả)" in text
    for word in ("Cao hơn có ý nghĩa", "Thấp hơn có ý nghĩa", "Không khác biệt có ý nghĩa"):
        assert word not in text
    for agency in ("A1", "A2"):
        item = _overall(body, agency=agency)
        value, interval = _shown(item)
        if item["flag"] == "suppress":
            assert reason_text(item["flag_reason"], "vi") in text
        else:
            assert value in text and interval in text, (agency, value, interval)
    assert re.search(r'<svg class="c-chart rs-chart" id="rs-province-chart"[^>]*role="img"', html)
    assert '<title id="rs-province-chart-title">Chỉ số SIPAS theo cơ quan</title>' in html
    # sorted: the happier agency A1 first in the chart and the table
    assert text.index("Sở Tư pháp") < text.index("Sở Y tế")
    # counter ratings apart, with their shares: 3 of 5 very satisfied
    assert "Đánh giá nhanh tại quầy — chuỗi riêng" in text and "60,0 %" in text
    # downloads for a statistician: province PDF, estimates CSV, microdata and codebook
    assert "/api/v1/waves/E1/province-summary.pdf?lang=vi" in html
    assert "/api/v1/waves/E1/estimates?format=csv&amp;series=self-selected&amp;by=agency" in html
    assert "/staff/results/E1/microdata.csv" in html and "/staff/results/E1/codebook.csv" in html


async def test_agency_page_numbers_trend_and_counter(data: World) -> None:
    response = await Console(data, "agency").get("/staff/results/E1/A1")
    assert response.status_code == 200, response.text
    text = text_of(response.text)
    body = await _api(data)
    overall = _overall(body, agency="A1")
    value, interval = _shown(overall)
    assert overall["flag"] is None and value in text and interval in text
    elements = [i for i in body["indices"] if i["kind"] == "element" and i["domain"] == {"agency": "A1"}]
    assert elements
    for item in elements:
        assert item["label"]["vi"] in text
        if item["flag"] is None:
            assert _shown(item)[1] in text
    criteria = [c for c in body["criteria"] if c["domain"] == {"agency": "A1"}]
    assert len(criteria) == 22
    for c in criteria:
        assert c["label"]["vi"][:30] in text
    assert "Không biết / không áp dụng" in text
    # trend: E0 then E1, with the change judged from the interval of the difference
    assert "Diễn biến qua các đợt khảo sát" in text and "E0" in text
    assert 'id="rs-trend-chart"' in response.text
    # mood 0.6 → 0.92, on the series not linked to the sample: the mark is descriptive, never "significant"
    assert "Tăng (chỉ mô tả)" in text and "có ý nghĩa thống kê" not in text.split("Diễn biến")[1]
    # the series is named for what defines it and lists the channels counted from the data
    assert "Các câu trả lời không gắn với mẫu xác suất của đợt" in text
    own = (await data.client.get("/api/v1/waves/E1/estimates", headers=data.auth("agency"))).json()
    words = {"online": "trực tuyến", "paper": "phiếu giấy"}
    listed = "; ".join(f"{words[c['channel']]}: {c['responses']} phiếu" for c in own["channels"])
    assert [c["channel"] for c in own["channels"]] == ["online", "paper"]  # A1's online and paper rows
    assert f"Kênh có trong chuỗi này (đếm từ dữ liệu): {listed}." in text
    assert "chỉ mang tính mô tả các phiếu đã nhận, không phải kiểm định thống kê" in text
    # counter ratings of A1 shown apart: 5 ratings, 60 % very satisfied
    assert "Số lượt đánh giá 5" in text and "Rất hài lòng 60,0 %" in text
    # an agency user is not shown the way back to every agency, nor the microdata
    assert "Tất cả cơ quan" not in text and "microdata.csv" not in response.text
    assert "/api/v1/waves/E1/scorecards/A1.pdf?lang=vi" in response.text


async def test_agency_user_sees_only_its_own_agency(data: World) -> None:
    agency = Console(data, "agency")
    landing = await agency.get("/staff/results")
    assert landing.status_code == 303
    assert landing.headers["location"] == "/staff/results/E1/A1?series=self-selected"
    other = await agency.get("/staff/results/E1/A2")
    assert other.status_code == 404 and "Không tìm thấy" in text_of(other.text)
    assert (
        (await agency.get("/staff/results", wave="E1", agency="A2"))
        .headers["location"]
        .endswith("/A1?series=self-selected")
    )
    assert (await agency.get("/staff/results/E1/microdata.csv")).status_code == 403
    assert (await agency.get("/staff/results/NOPE/A1")).status_code == 404
    interviewer = Console(data, "interviewer")
    for path in ("/staff/results", "/staff/results/E1/A1", "/staff/results/E1/microdata.csv"):
        response = await interviewer.get(path)
        assert response.status_code == 403 and "Không có quyền truy cập" in text_of(response.text), path


async def test_filter_by_channel_shows_the_flag_and_its_reason(data: World) -> None:
    console = Console(data, "admin")
    page = await console.get("/staff/results/E1/A1", channel="paper")
    assert page.status_code == 200, page.text
    text = text_of(page.text)
    assert "Đang lọc: Kênh trả lời: Phiếu giấy" in text
    body = await _api(data, by=["agency", "channel"])
    item = _overall(body, agency="A1", channel="paper")
    assert item["flag"] == "suppress" and item["n"] < 30
    reason = reason_text(item["flag_reason"], "vi")
    assert f"Không công bố {reason}" in text
    # Neither as a value nor by chance inside another figure's interval (e.g. "91,5–93,3" of the trend).
    shown = re.sub(r"\d+ < 30|[+−-]?\d+(,\d+)? ?– ?[+−-]?\d+(,\d+)?", "", text.split("Các tiêu chí")[0])
    assert format_number(item["estimate"], "vi") not in shown
    # the chart says it too, in place of a dot
    assert escape(f"Không công bố: {reason}") in page.text
    # online: the same numbers as the API's agency × channel estimates
    online = await console.get("/staff/results/E1/A1", channel="online")
    value, interval = _shown(_overall(body, agency="A1", channel="online"))
    assert value in text_of(online.text) and interval in text_of(online.text)
    assert "by=agency&amp;by=channel" in online.text  # the CSV download follows the filter
    # the filter lists the wave's channels and the agency's service points
    assert '<option value="paper" selected>Phiếu giấy</option>' in page.text
    assert '<option value="A1-Q1">Quầy Sở Tư pháp</option>' in page.text
    assert "A2-Q1" not in page.text
    # a respondent characteristic asked on the form (SIPAS 2017 D1, sex): the item domain of the service
    assert '<label for="rs-f-item-D1">Giới tính</label>' in page.text
    assert '<option value="FEMALE">Nữ</option>' in page.text and "Không trả lời" in page.text
    women = await console.get("/staff/results/E1/A1", **{"item:D1": "FEMALE"})
    assert "Đang lọc: Giới tính: Nữ" in text_of(women.text)
    by_sex = _overall(await _api(data, by=["agency", "item:D1"]), agency="A1", **{"item:D1": "FEMALE"})
    assert by_sex["flag"] is None
    assert all(part in text_of(women.text) for part in _shown(by_sex))
    # a service point of the agency
    point = await console.get("/staff/results/E1/A1", service_point="A1-Q1")
    assert _shown(_overall(await _api(data), agency="A1"))[0] in text_of(point.text)


async def test_probability_series_without_weights_says_so(data: World) -> None:
    page = await Console(data, "statistician").get("/staff/results", wave="E1", series="probability")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "chưa có quyền số" in text and "Mẫu xác suất (có gia quyền)" in text
    assert "rs-province-chart" not in page.text


async def test_downloads_accept_the_console_session(data: World) -> None:
    agency = Console(data, "agency")
    pdf = await agency.get("/api/v1/waves/E1/scorecards/A1.pdf", lang="vi")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert (await agency.get("/api/v1/waves/E1/scorecards/A2.pdf")).status_code == 404
    csv_response = await agency.get("/api/v1/waves/E1/estimates", format="csv", series="self-selected")
    assert csv_response.status_code == 200 and "agency=A1" in csv_response.text
    assert "agency=A2" not in csv_response.text
    statistician = Console(data, "statistician")
    micro = await statistician.get("/staff/results/E1/microdata.csv")
    assert micro.status_code == 200 and micro.headers["content-type"].startswith("text/csv")
    assert 'filename="microdata-E1.csv"' in micro.headers["content-disposition"]
    lines = micro.text.strip().splitlines()
    assert lines[0].startswith("id,wave,agency,service_point,channel") and len(lines) == 1 + 300
    assert all(",E1," in line for line in lines[1:])
    book = await statistician.get("/staff/results/E1/codebook.csv")
    assert book.status_code == 200 and "Mã cơ quan" in book.text
    assert micro.headers["content-type"] == "text/csv; charset=utf-8"
    log = await data.client.get(
        "/api/v1/audit-log", params={"object_type": "microdata"}, headers=data.auth("admin")
    )
    assert [(e["action"], e["object_key"], e["actor_email"]) for e in log.json()["items"]] == [
        ("download", "E1", "statistician@example.org")
    ]


def test_csv_cells_cannot_run_as_spreadsheet_formulas() -> None:
    from survey_engine.results.spreadsheet import (
        csv_line,  # the console's microdata CSV writes its lines with it
    )

    # "-2" is a number to a spreadsheet, not a formula: kept as it is (see survey_engine.results.spreadsheet)
    line = csv_line(['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "plain", 3, None, "a=b"])
    assert line.strip() == '"\'=HYPERLINK(""http://x"")",\'+1,-2,\'@SUM(A1),plain,3,,a=b'


async def test_english_page_formats_numbers_the_english_way(data: World) -> None:
    page = await Console(data, "admin", lang="en").get("/staff/results/E1/A2")
    assert page.status_code == 200
    text = text_of(page.text)
    item = _overall(await _api(data), agency="A2")
    if item["flag"] == "suppress":
        assert reason_text(item["flag_reason"], "en") in text
    else:
        assert format_interval(item["ci_low"], item["ci_high"], "en") in text
    assert "not a probability sample" in text and "Counter ratings — a separate series" in text
    assert "All agencies" in text


async def test_no_wave_with_an_index(world: World) -> None:
    page = await Console(world, "admin").get("/staff/results")
    assert page.status_code == 200
    assert "Chưa có đợt khảo sát nào có Chỉ số SIPAS" in text_of(page.text)


async def test_probability_series_and_field_filter(world: World) -> None:
    """A wave with a frame (fields), a drawn sample and weights: the probability series and the field
    filter show the estimates endpoint's numbers, flags with their reasons."""
    from tests.api.test_estimates_domains import FIELDS, wave_with_frame

    await wave_with_frame(world)
    body = {"strata": ["agency"], "n": 80, "seed": 17, "allocation": "proportional", "response_rate": 0.7}
    drawn = await world.client.post("/api/v1/waves/E1/draw", json=body, headers=world.auth("admin"))
    assert drawn.status_code == 201, drawn.text
    weighted = await world.client.post(
        "/api/v1/waves/E1/weights", json={}, headers=world.auth("statistician")
    )
    assert weighted.status_code == 200, weighted.text
    console = Console(world, "statistician")
    page = await console.get("/staff/results", wave="E1", series="probability")
    assert page.status_code == 200, page.text
    text = text_of(page.text)
    assert "Chuỗi số liệu Mẫu xác suất (có gia quyền)" in text and "rs-province-chart" in page.text
    probability = await _api(world, series="probability")
    assert probability["rows"] > 0
    # a probability series: its channels are listed and its marks are not called descriptive
    words = {"online": "trực tuyến", "paper": "phiếu giấy", "phone": "điện thoại", "kiosk": "ki-ốt"}
    listed = "; ".join(f"{words[c['channel']]}: {c['responses']} phiếu" for c in probability["channels"])
    assert f"Kênh có trong chuỗi này (đếm từ dữ liệu): {listed}." in text
    assert "chỉ mô tả" not in text and "không phải kiểm định thống kê" not in text
    for agency in ("A1", "A2"):
        item = _overall(probability, agency=agency)
        if item["flag"] == "suppress":
            assert reason_text(item["flag_reason"], "vi") in text
        else:
            assert all(part in text for part in _shown(item))
            if item["flag"] == "review":
                assert reason_text(item["flag_reason"], "vi") in text
    # the field filter lists the frame's fields of the agency and the responses outside the frame
    agency_page = await console.get("/staff/results/E1/A1")
    assert f'<option value="{FIELDS[1]}">{FIELDS[1]}</option>' in agency_page.text
    assert "Không xác định (phiếu không gắn với hồ sơ trong khung mẫu)" in agency_page.text
    by_field = await _api(world, by=["agency", "field"])
    filtered = await console.get("/staff/results/E1/A1", field=FIELDS[2])
    item = _overall(by_field, agency="A1", field=FIELDS[2])
    shown = text_of(filtered.text)
    assert f"Đang lọc: Lĩnh vực: {FIELDS[2]}" in shown
    if item["flag"] == "suppress":
        assert reason_text(item["flag_reason"], "vi") in shown
    else:
        assert all(part in shown for part in _shown(item))


def test_charts_draw_flags_as_such_and_wrap_vietnamese_labels() -> None:
    from api.results import charts

    points = [
        charts.Point("Chỉ số SIPAS", 80.2, 77.1, 83.0, "ok", "80,2", strong=True),
        charts.Point(
            "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị của người dân",
            72.0,
            60.5,
            81.0,
            "review",
            "72,0",
            "Cần thận trọng",
        ),
        charts.Point(
            "Sở Văn hóa, Thể thao và Du lịch",
            None,
            None,
            None,
            "suppress",
            "—",
            "Không công bố: cỡ mẫu 12 < 30",
        ),
    ]
    svg = str(
        charts.dot_whisker(
            points,
            chart_id="c",
            title="Tiêu đề",
            desc="Mô tả",
            axis_label="Chỉ số (%)",
            tick_label=lambda v: format_number(v, "vi", 0),
            reference=(75.0, "Trung bình tỉnh: 75,0"),
        )
    )
    assert svg.startswith('<svg class="c-chart rs-chart" id="c"') and 'role="img"' in svg
    assert 'aria-labelledby="c-title c-desc"' in svg and '<desc id="c-desc">Mô tả</desc>' in svg
    assert svg.count("<circle") == 2  # no dot for the suppressed row
    assert 'fill="#fff" stroke="#8a4b00"' in svg  # the flagged estimate is hollow
    assert "Không công bố: cỡ mẫu 12 &lt; 30" in svg and "80,2" in svg and "72,0" in svg
    assert 'stroke-dasharray="6 4"' in svg  # the reference line
    # words are never split and long labels are balanced over lines
    assert charts.wrap("Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị của người dân", 44) == [
        "Tiếp nhận, xử lý góp ý, phản ánh,",
        "kiến nghị của người dân",
    ]
    assert charts.axis_range(points, 75.0) == (50.0, 90.0)
    assert charts.axis_range([]) == (0.0, 100.0)
    trend = str(
        charts.trend(
            [
                charts.Point("W1", 70.0, 65.0, 75.0, "ok", "70,0"),
                charts.Point("W2", None, None, None, "suppress", "—", "không có kết quả"),
                charts.Point("W3", 74.0, 70.0, 78.0, "ok", "74,0", strong=True),
            ],
            chart_id="t",
            title="Diễn biến",
            desc="Mô tả",
            axis_label="Chỉ số (%)",
            tick_label=str,
        )
    )
    assert (
        trend.count("<circle") == 2 and 'stroke="#c5ccd6" stroke-width="2"' not in trend
    )  # no line across W2


async def test_repeated_pages_reuse_estimates_until_the_data_change(data: World, monkeypatch: Any) -> None:
    from survey_engine.results import analysis, estimates_cache

    estimates_cache.clear_cache()
    calls: list[tuple[Any, ...]] = []
    real = analysis.wave_results

    async def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return await real(*args, **kwargs)

    monkeypatch.setattr(analysis, "wave_results", counting)
    statistician = Console(data, "statistician")
    first = await statistician.get("/staff/results/E1/A1")
    used = len(calls)
    assert used >= 1
    again = await statistician.get("/staff/results/E1/A1")
    assert len(calls) == used and text_of(again.text) == text_of(first.text)
    await _post_sipas(data, 2026, 1, (0.8, 0.5), seed=99)
    await statistician.get("/staff/results/E1/A1")
    assert len(calls) > used  # a new response: estimated afresh
