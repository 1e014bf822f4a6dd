"""QR codes, posters and receipt codes over HTTP: formats, roles, agency scope."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pypdf
import pytest

from reports.qr import qr_png, qr_svg
from survey_engine.collection.receipts import verify_receipt
from tests.api.conftest import World, create_open_wave

SECRET = "test-secret-key-that-is-long-enough-0123456789"


async def _point(world: World, code: str = "A1-Q1") -> dict:
    response = await world.client.get(f"/api/v1/service-points/{code}", headers=world.auth("admin"))
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("role", ["admin", "statistician", "agency"])
async def test_qr_png_and_svg_encode_the_form_urls(world: World, role: str) -> None:
    point = await _point(world)
    headers = world.auth(role)
    png = await world.client.get("/api/v1/service-points/A1-Q1/qr.png", headers=headers)
    assert png.status_code == 200, png.text
    assert png.headers["content-type"] == "image/png"
    assert png.content == qr_png(point["online_url"])  # deterministic: the same bytes as the library
    kiosk = await world.client.get("/api/v1/service-points/A1-Q1/qr.png?channel=kiosk", headers=headers)
    assert kiosk.content == qr_png(point["kiosk_url"])
    svg = await world.client.get("/api/v1/service-points/A1-Q1/qr.svg?channel=kiosk", headers=headers)
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.content == qr_svg(point["kiosk_url"])
    assert ET.fromstring(svg.content).tag == "{http://www.w3.org/2000/svg}svg"


async def test_poster_pdf(world: World) -> None:
    point = await _point(world)
    for size, lang, width in (("A4", "vi", 595), ("A5", "en", 420)):
        response = await world.client.get(
            f"/api/v1/service-points/A1-Q1/poster.pdf?size={size}&lang={lang}", headers=world.auth("agency")
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-disposition"] == f'attachment; filename="poster-A1-Q1-{size}.pdf"'
        page = pypdf.PdfReader(io.BytesIO(response.content)).pages[0]
        assert round(float(page.mediabox.width)) == width
        text = page.extract_text()
        assert "Sở Tư pháp" in text and "Quầy Sở Tư pháp" in text
        assert point["online_url"] in text
        assert "vài câu hỏi" in text  # no open wave yet: no question count


async def test_poster_counts_the_questions_of_the_open_wave(world: World) -> None:
    await create_open_wave(world)
    response = await world.client.get(
        "/api/v1/service-points/A1-Q1/poster.pdf?channel=kiosk", headers=world.auth("admin")
    )
    text = pypdf.PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "/k/" in text and "Trả lời khoảng" in text


@pytest.mark.parametrize("suffix", ["qr.png", "qr.svg", "poster.pdf"])
async def test_access_rules(world: World, suffix: str) -> None:
    url = f"/api/v1/service-points/A2-Q1/{suffix}"
    assert (await world.client.get(url)).status_code == 401
    assert (await world.client.get(url, headers=world.auth("interviewer"))).status_code == 403
    hidden = await world.client.get(url, headers=world.auth("agency"))
    assert hidden.status_code == 404
    assert hidden.headers["content-type"] == "application/problem+json"
    assert (await world.client.get(url, headers=world.auth("statistician"))).status_code == 200
    missing = await world.client.get(f"/api/v1/service-points/NOPE/{suffix}", headers=world.auth("admin"))
    assert missing.status_code == 404


@pytest.mark.parametrize("query", ["channel=phone", "size=A3", "lang=fr", "channel=online&size=Letter"])
async def test_bad_query_values_are_400_problems(world: World, query: str) -> None:
    response = await world.client.get(
        f"/api/v1/service-points/A1-Q1/poster.pdf?{query}", headers=world.auth("admin")
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


async def test_issue_receipt(world: World) -> None:
    point = await _point(world)
    response = await world.client.post(
        "/api/v1/service-points/A1-Q1/receipts",
        json={"dossier_code": " h01.22-241122-0001 "},
        headers=world.auth("agency"),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    receipt = verify_receipt(SECRET, body["receipt"])
    assert receipt.dossier_code == "H01.22-241122-0001" and receipt.service_point == "A1-Q1"
    assert body["dossier_code"] == "H01.22-241122-0001"
    assert body["url"] == f"{point['online_url']}?r={body['receipt']}"
    qr = await world.client.get(body["qr_png_url"], headers=world.auth("agency"))
    assert qr.status_code == 200 and qr.content == qr_png(body["url"])
    svg = await world.client.get(body["qr_svg_url"], headers=world.auth("agency"))
    assert svg.status_code == 200 and svg.content == qr_svg(body["url"])


async def test_receipt_rules(world: World) -> None:
    url = "/api/v1/service-points/{}/receipts"
    body = {"dossier_code": "X-1"}
    assert (await world.client.post(url.format("A1-Q1"), json=body)).status_code == 401
    for role in ("statistician", "interviewer"):
        response = await world.client.post(url.format("A1-Q1"), json=body, headers=world.auth(role))
        assert response.status_code == 403
    other = await world.client.post(url.format("A2-Q1"), json=body, headers=world.auth("agency"))
    assert other.status_code == 404
    for bad in ({"dossier_code": "   "}, {"dossier_code": "a b"}, {}, {"dossier_code": "X", "extra": 1}):
        response = await world.client.post(url.format("A1-Q1"), json=bad, headers=world.auth("admin"))
        assert response.status_code == 422, bad
        assert response.headers["content-type"] == "application/problem+json"
    # A receipt only renders as a QR for its own service point, and only when authentic.
    issued = await world.client.post(url.format("A1-Q1"), json=body, headers=world.auth("admin"))
    receipt = issued.json()["receipt"]
    for target, token in (("A2-Q1", receipt), ("A1-Q1", receipt[:-2] + "AA"), ("A1-Q1", "garbage")):
        response = await world.client.get(
            f"/api/v1/service-points/{target}/qr.png?receipt={token}", headers=world.auth("admin")
        )
        assert response.status_code == 422


async def test_endpoints_are_in_the_openapi_document(world: World) -> None:
    paths = (await world.client.get("/schema/openapi.json")).json()["paths"]
    for suffix in ("qr.png", "qr.svg", "poster.pdf", "receipts"):
        assert f"/api/v1/service-points/{{code}}/{suffix}" in paths
