"""The public results pages, open data, badge and card: served from published snapshots only, in both
languages, small, with the citizen pages' CSP, and never showing what a respondent wrote.

Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import re

import pytest

from survey_engine.publication.snapshot import canonical
from survey_engine.results import analysis
from tests.api.conftest import World
from tests.support.published import SECRET_COMMENT, closed_wave, release, rename

PAGE_LIMIT = 100 * 1024


@pytest.fixture
async def published(world: World) -> World:
    """P0 (2025) and P1 (2026) published; P1 corrected once; a third wave closed but only prepared."""
    await closed_wave(world, "P0", 2025, 96, 0.6, seed=5)
    await closed_wave(world, "P1", 2026, 150, 0.9, seed=7)
    await release(world, "P0")
    await release(world, "P1")
    await rename(world, "A2", "Health Department")
    await release(world, "P1", {"changelog_vi": "Đính chính tên", "changelog_en": "Name corrected"})
    await closed_wave(world, "P2", 2027, 60, 0.8, seed=9)
    response = await world.client.post(
        "/api/v1/waves/P2/releases/", json={}, headers=world.auth("statistician")
    )
    assert response.status_code == 201
    return world


def public_urls() -> list[str]:
    return [
        "/results",
        "/results?lang=en",
        "/results/method",
        "/results/method?lang=en",
        "/results/P1",
        "/results/P1?lang=en",
        "/results/P1/v/1",
        "/results/P0",
        "/results/P1/agencies/A1",
        "/results/P1/agencies/A1?lang=en",
        "/results/P1/agencies/A2",
        "/results/P1/results.csv",
        "/results/P1/results.json",
        "/results/P1/v/1/results.json",
        "/results/agencies/A1/badge.svg",
        "/results/agencies/A1/card",
    ]


async def test_pages_are_public_small_strict_and_without_scripts(published: World) -> None:
    world = published
    for url in public_urls():
        response = await world.client.get(url)
        assert response.status_code == 200, url
        assert len(response.content) < PAGE_LIMIT, (url, len(response.content))
        if response.headers["content-type"].startswith("text/html"):
            csp = response.headers["content-security-policy"]
            assert "default-src 'none'" in csp and "script-src 'self'" in csp
            assert "<script" not in response.text
            # no external resources: every src and stylesheet is on this site
            # (the embed code shown to agencies is escaped text in a <pre>, not markup: left out here)
            markup = re.sub(r'<pre class="snippet">.*?</pre>', "", response.text, flags=re.S)
            assert not re.search(r'(src|href)="https?://(?!creativecommons\.org)', markup), url
            assert "public" in response.headers["cache-control"]
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "no-referrer"


async def test_nothing_a_respondent_wrote_is_public(published: World) -> None:
    world = published
    for url in public_urls():
        body = (await world.client.get(url)).text
        assert SECRET_COMMENT not in body, url
        # demographics (D1–D4) are never published, at any size
        assert '"D1"' not in body and ",D1," not in body


async def test_unpublished_and_unknown_waves_are_404(published: World) -> None:
    world = published
    for url in ("/results/P2", "/results/P2?lang=en", "/results/P2/agencies/A1", "/results/P2/results.csv",
                "/results/P1/v/3", "/results/NOPE", "/results/P1/agencies/NOPE"):  # fmt: skip
        response = await world.client.get(url)
        assert response.status_code == 404, url
        assert response.headers["cache-control"] == "no-store"
    listing = (await world.client.get("/results")).text
    assert "/results/P1" in listing and "/results/P0" in listing and "/results/P2" not in listing


async def test_wave_page_numbers_flags_province_and_trend(published: World) -> None:
    world = published
    stats = await analysis.wave_results("P1", ("agency",), "self-selected")
    assert stats.result is not None
    a1 = stats.result.groups.estimates[stats.result.groups.find("SIPAS", {"agency": "A1"})]
    page = (await world.client.get("/results/P1?lang=en")).text
    assert f"{a1.estimate:.1f}" in page and f"{a1.ci_low:.1f}–{a1.ci_high:.1f}" in page
    # A2 has 25 responses: suppressed, with its reason, never its number
    a2 = stats.result.groups.estimates[stats.result.groups.find("SIPAS", {"agency": "A2"})]
    assert a2.flag == "suppress"
    row = re.search(r"Health Department</a></th>(.*?)</tr>", page, re.S)
    assert row is not None and "Not shown" in row.group(1) and f"{a2.estimate:.1f}" not in row.group(1)
    # the trend against P0 (the previous published wave of the same questionnaire)
    assert "Change since Survey 2025" in page
    previous = await analysis.wave_results("P0", ("agency",), "self-selected")
    assert previous.result is not None
    p0 = previous.result.groups.estimates[previous.result.groups.find("SIPAS", {"agency": "A1"})]
    diff = a1.estimate - p0.estimate
    assert f"{'+' if diff > 0 else ''}{diff:.1f}".replace("-", "−") in page
    # the self-selected series says so; the chart has its table and an accessible name
    assert "self-selected responses" in page
    assert 'role="img"' in page and "<caption" in page
    vi = (await world.client.get("/results/P1")).text
    assert "Chỉ số SIPAS" in vi and f"{a1.estimate:.1f}".replace(".", ",") in vi


async def test_versions_changelog_and_earlier_version(published: World) -> None:
    world = published
    page = (await world.client.get("/results/P1?lang=en")).text
    assert "Version 2" in page and "Name corrected" in page and "/results/P1/v/1" in page
    old = (await world.client.get("/results/P1/v/1?lang=en")).text
    assert "This is an earlier version" in old
    assert (await world.client.get("/results/P1/v/1")).headers["cache-control"] == "public, max-age=86400"


async def test_open_data_json_and_csv_match_the_snapshot(published: World) -> None:
    world = published
    response = await world.client.get("/results/P1/results.json")
    assert response.headers["access-control-allow-origin"] == "*"
    assert 'rel="license"' in response.headers["link"]
    document = response.json()
    assert document["licence"]["id"] == "CC-BY-4.0" and document["version"] == 2
    assert hashlib.sha256(canonical(document["results"]).encode()).hexdigest() == document["snapshot_hash"]
    assert [c["version"] for c in document["changelog"]] == [1, 2]
    releases = await world.client.get("/api/v1/waves/P1/releases/", headers=world.auth("admin"))
    assert releases.json()[0]["snapshot_hash"] == document["snapshot_hash"]

    text = (await world.client.get("/results/P1/results.csv")).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["licence"] for r in rows} == {"CC-BY-4.0"}
    overall = {r["agency"]: r for r in rows if r["kind"] == "overall"}
    a1 = next(a for a in document["results"]["agencies"] if a["code"] == "A1")
    assert float(overall["A1"]["estimate"]) == pytest.approx(a1["overall"]["estimate"], rel=1e-12)
    assert overall["A2"]["estimate"] == "" and overall["A2"]["flag"] == "suppress"
    kinds = {r["kind"] for r in rows}
    assert {"overall", "element", "criterion"} <= kinds
    json.dumps(document)  # plain JSON


async def test_badge_and_card(published: World) -> None:
    world = published
    badge = await world.client.get("/results/agencies/A1/badge.svg?lang=en")
    assert badge.headers["content-type"].startswith("image/svg+xml")
    assert badge.headers["access-control-allow-origin"] == "*"
    assert "max-age" in badge.headers["cache-control"]
    assert "<title>" in badge.text and "2026" in badge.text  # the latest published wave with A1
    suppressed = await world.client.get("/results/agencies/A2/badge.svg?lang=en")
    assert "not shown" in suppressed.text
    assert (await world.client.get("/results/agencies/NOPE/badge.svg")).status_code == 404
    agency_page = (await world.client.get("/results/P1/agencies/A1")).text
    base = world.app.state.services.settings.base_url
    assert f'src="{base}/results/agencies/A1/badge.svg"' in agency_page.replace("&#34;", '"').replace(
        "&quot;", '"'
    )
    card = await world.client.get("/results/agencies/A1/card")
    assert "frame-ancestors *" in card.headers["content-security-policy"]
    page = await world.client.get("/results/P1")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


async def test_pages_are_rendered_once_per_version(published: World) -> None:
    world = published
    pages = world.app.state.services.results_pages.pages
    await world.client.get("/results/P1")
    size = len(pages)
    for _ in range(5):
        assert (await world.client.get("/results/P1")).status_code == 200
    assert len(pages) == size


async def test_pages_carry_a_strong_etag_and_answer_304(published: World) -> None:
    world = published
    for url in ("/results/P1", "/results/P1?lang=en", "/results/P1/agencies/A1", "/results/P1/results.json"):
        first = await world.client.get(url)  # the handler answers, and keeps the answer
        again = await world.client.get(url)  # answered from memory, before the handler
        etag = first.headers["etag"]
        assert re.fullmatch(r'"[0-9a-f]{32}"', etag), url
        assert again.content == first.content and again.headers["etag"] == etag, url
        assert again.headers["content-type"] == first.headers["content-type"], url
        assert again.headers["cache-control"] == first.headers["cache-control"], url
        for tags in (etag, f'"other", W/{etag}', "*"):
            cached = await world.client.get(url, headers={"If-None-Match": tags})
            assert cached.status_code == 304 and cached.content == b"", (url, tags)
            assert (
                cached.headers["etag"] == etag
                and cached.headers["cache-control"] == first.headers["cache-control"]
            )
            assert cached.headers["x-content-type-options"] == "nosniff"
        stale = await world.client.get(url, headers={"If-None-Match": '"0123"'})
        assert stale.status_code == 200 and stale.content == first.content
    versioned = await world.client.get("/results/P1/v/1/results.json")
    assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert (await world.client.get("/results/P1/results.csv")).headers[
        "cache-control"
    ] == "public, max-age=600"


async def test_kept_answers_follow_publications_in_this_and_other_processes(
    published: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = published
    services = world.app.state.services
    for _ in range(2):
        page = await world.client.get("/results/P1?lang=en")
    assert "Version 3" not in page.text and ("/results/P1", b"lang=en") in services.served_pages.ready
    # Odd query strings reach the handler every time and are not kept (they cannot fill the memory).
    assert (await world.client.get("/results/P1?lang=en&x=1")).status_code == 200
    assert ("/results/P1", b"lang=en&x=1") not in services.served_pages.ready
    # A 404 is never kept: publishing P2 makes its page appear in this process at once.
    assert (await world.client.get("/results/P2")).status_code == 404
    await release(world, "P2")
    assert (await world.client.get("/results/P2")).status_code == 200

    # Another process publishes a correction of P1 (no in-process notice): seen once the list is re-read.
    await rename(world, "A1", "Justice Department")
    monkeypatch.setattr(services.releases, "on_published", [])
    await release(world, "P1", {"changelog_vi": "Đính chính lần hai", "changelog_en": "Second correction"})
    services.public_results.ttl = 3600.0  # within the re-read interval the kept page is still served
    assert "Version 3" not in (await world.client.get("/results/P1?lang=en")).text
    services.public_results.ttl = 0.0  # the interval is over: the list is re-read, the kept page dropped
    page = await world.client.get("/results/P1?lang=en")
    assert "Version 3" in page.text and "Second correction" in page.text


async def test_one_request_rereads_the_published_list_at_a_time(
    published: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = published
    public = world.app.state.services.public_results
    await public.waves()
    reads = 0
    original = public._read

    async def counted() -> object:
        nonlocal reads
        reads += 1
        await asyncio.sleep(0.05)  # a slow database: the others must not queue up behind it
        return await original()

    monkeypatch.setattr(public, "_read", counted)
    public.ttl = 0.0  # the list is due for a re-read
    generation = public.generation
    lists = await asyncio.gather(*(public.waves() for _ in range(8)))
    assert reads == 1  # the calls that came while the list was being read used the one there was
    assert all(set(found) == {"P0", "P1"} for found in lists)
    assert public.generation == generation  # nothing new was published: what was made stays valid
    public.ttl = 3600.0
    assert (await world.client.get("/results/P1")).status_code == 200
