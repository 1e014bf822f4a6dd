"""Open data and embeds of published results (no login; CC BY 4.0; schema in docs/open-data.md).

* ``/results/{wave}[/v/{n}]/results.json`` — the version's snapshot with its version, publication time,
  hash and changelog; ``results.csv`` — the same figures one per row, with the licence in every row.
* ``/results/agencies/{agency}/badge.svg`` — a small SVG badge with the agency's SIPAS index in the latest
  published wave that includes it (any site may load it: ``Access-Control-Allow-Origin: *``);
  ``/results/agencies/{agency}/card`` — an HTML card for an agency's portal, meant for an ``<iframe>``
  (``frame-ancestors *`` on this one page only).

Versioned files never change (cached for a day); the current ones and the badge for ten minutes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from html import escape
from typing import Annotated, Any
from urllib.parse import quote

import msgspec
from litestar import Request, get
from litestar.params import PathParameter
from litestar.response.base import ASGIResponse

from api.publication.pages_results import (
    FROZEN_CACHE,
    READY,
    Lang,
    WaveCode,
    answer,
    html,
    lang_of,
    not_found,
    page_cache,
)
from api.publication.render import render_page
from api.services import services_of
from api.web.i18n import PAGE, translator
from api.web.pages_common import PAGE_HEADERS
from reports.numbers import format_number
from survey_engine.errors import NotFound
from survey_engine.publication.public import PublicResults, PublishedWave
from survey_engine.publication.snapshot import LICENCE

__all__ = ["CSV_COLUMNS", "OPEN_DATA_HANDLERS", "csv_rows"]

AgencyCode = Annotated[str, PathParameter(max_length=64, description="agency code")]
Version = Annotated[int, PathParameter(ge=1, le=100_000, description="published version")]
CURRENT_FILE_CACHE = "public, max-age=600"
LICENCE_LINK = f'<{LICENCE["url"]}>; rel="license"'
CSV_COLUMNS = (
    "wave",
    "version",
    "agency",
    "agency_name_vi",
    "agency_name_en",
    "kind",
    "code",
    "element",
    "option",
    "label_vi",
    "label_en",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "n",
    "dont_know",
    "flag",
    "flag_reason",
    "licence",
)


def _cells(
    who: list[Any],
    kind: str,
    code: str,
    element: str,
    option: str,
    label: Mapping[str, str],
    fig: Mapping[str, Any],
    dont_know: int | str = "",
) -> list[Any]:
    return [
        *who,
        kind,
        code,
        element,
        option,
        label.get("vi", ""),
        label.get("en", ""),
        fig.get("estimate"),
        fig.get("se"),
        fig.get("ci_low"),
        fig.get("ci_high"),
        fig.get("n"),
        dont_know,
        fig.get("flag") or "",
        fig.get("flag_reason") or "",
        LICENCE["id"],
    ]


def csv_rows(snapshot: Mapping[str, Any], version: int) -> Iterator[list[Any]]:
    """One row per published figure: the province, then each agency's overall, elements, criteria and
    perception shares (empty cells for what a suppressed figure does not show)."""
    wave = snapshot["wave"]["code"]
    province = snapshot["province"]
    if province.get("index"):
        yield _cells(
            [wave, version, "", "", ""], "province", "SIPAS", "", "", province["name"], province["index"]
        )
    overall_label = {"vi": "Chỉ số SIPAS", "en": "SIPAS index"}
    for agency in snapshot["agencies"]:
        who = [wave, version, agency["code"], agency["name"]["vi"], agency["name"]["en"]]
        yield _cells(who, "overall", "SIPAS", "", "", overall_label, agency["overall"])
        for e in agency["elements"]:
            yield _cells(who, "element", e["code"], "", "", e["label"], e)
        for c in agency["criteria"]:
            yield _cells(
                who, "criterion", c["code"], c.get("element") or "", "", c["label"], c, c.get("dont_know", 0)
            )
        for item in agency.get("perception", []):
            for o in item["options"]:
                yield _cells(who, "perception", item["code"], "", o["code"], o["label"], o)


def _csv(snapshot: Mapping[str, Any], version: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in csv_rows(snapshot, version):
        writer.writerow(["" if cell is None else cell for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: spreadsheet programs read UTF-8


def _data_headers(cache: str, filename: str) -> dict[str, str]:
    return {
        "Cache-Control": cache,
        "Link": LICENCE_LINK,
        "Access-Control-Allow-Origin": "*",  # open data: any site or notebook may fetch it
        "Content-Disposition": f'inline; filename="{filename}"',
    }


async def _open_data(
    request: Request[Any, Any, Any], code: str, version: int | None, kind: str
) -> ASGIResponse:
    public = services_of(request).public_results
    generation = public.generation  # read before any await: a file is never kept under a newer one
    try:
        wave = await public.wave(code)
        shown = wave.version(version)
    except NotFound:
        return ASGIResponse(body=b"", status_code=404, headers={"Cache-Control": "no-store"})
    key = ("data", kind, code, shown.version, tuple((v.version, v.snapshot_hash) for v in wave.versions))

    async def render() -> bytes:
        snapshot = await public.snapshot(code, shown.version)
        if kind == "csv":
            return _csv(snapshot, shown.version)
        document = {
            "schema": snapshot["schema"],
            "licence": LICENCE,
            "wave": code,
            "version": shown.version,
            "published_at": shown.published_at.isoformat() if shown.published_at else None,
            "snapshot_hash": shown.snapshot_hash,
            "changelog": [
                {"version": v.version, "vi": v.changelog_vi, "en": v.changelog_en}
                for v in wave.versions
                if v.version <= shown.version
            ],
            "results": snapshot,
        }
        return msgspec.json.encode(document)

    page = await page_cache(request).rendered(key, render)
    media = "text/csv; charset=utf-8" if kind == "csv" else "application/json"
    # A version's file holds that version and the changelog up to it: it never changes.
    cache = CURRENT_FILE_CACHE if version is None else FROZEN_CACHE
    filename = f"sipas-{code}-v{shown.version}.{kind}"
    return answer(page, media, _data_headers(cache, filename), ready=(request, generation))


@get("/results/{wave:str}/results.json", include_in_schema=False, middleware=READY, name="results_json")
async def results_json(request: Request[Any, Any, Any], wave: WaveCode) -> ASGIResponse:
    return await _open_data(request, wave, None, "json")


@get("/results/{wave:str}/results.csv", include_in_schema=False, middleware=READY, name="results_csv")
async def results_csv(request: Request[Any, Any, Any], wave: WaveCode) -> ASGIResponse:
    return await _open_data(request, wave, None, "csv")


@get(
    "/results/{wave:str}/v/{version:int}/results.json",
    include_in_schema=False,
    middleware=READY,
    name="results_json_v",
)
async def results_json_version(
    request: Request[Any, Any, Any], wave: WaveCode, version: Version
) -> ASGIResponse:
    return await _open_data(request, wave, version, "json")


@get(
    "/results/{wave:str}/v/{version:int}/results.csv",
    include_in_schema=False,
    middleware=READY,
    name="results_csv_v",
)
async def results_csv_version(
    request: Request[Any, Any, Any], wave: WaveCode, version: Version
) -> ASGIResponse:
    return await _open_data(request, wave, version, "csv")


async def _latest_for(public: PublicResults, agency: str) -> tuple[PublishedWave, dict[str, Any]] | None:
    """The latest published wave that includes the agency, and the agency's part of its snapshot."""
    for wave in (await public.waves()).values():  # newest period first
        snapshot = await public.snapshot(wave.code, wave.current.version)
        found = next((a for a in snapshot["agencies"] if a["code"] == agency), None)
        if found is not None:
            return wave, found
    return None


def badge_svg(label: str, value: str, title: str) -> bytes:
    """A two-part badge (label | value), 220 × 28, text as SVG text (readable, scalable, no fonts loaded)."""
    left = 70
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="220" height="28" viewBox="0 0 220 28" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f'<rect width="{left}" height="28" rx="4" fill="#1b1b1b"/>'
        f'<rect x="{left - 4}" width="{224 - left}" height="28" rx="4" fill="#0b4f8a"/>'
        f'<rect x="{left - 4}" width="4" height="28" fill="#0b4f8a"/>'
        f'<g fill="#ffffff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="13" text-anchor="middle">'
        f'<text x="{left / 2}" y="19">{escape(label)}</text>'
        f'<text x="{left + (220 - left) / 2}" y="19">{escape(value)}</text></g></svg>'
    ).encode()


@get(
    "/results/agencies/{agency:str}/badge.svg",
    include_in_schema=False,
    middleware=READY,
    name="results_badge",
)
async def results_badge(
    request: Request[Any, Any, Any], agency: AgencyCode, lang: Lang = None
) -> ASGIResponse:
    language = lang_of(lang)
    public = services_of(request).public_results
    generation = public.generation  # read before any await: the badge is never kept under a newer one
    latest = await _latest_for(public, agency)
    if latest is None:
        return ASGIResponse(body=b"", status_code=404, headers={"Cache-Control": "no-store"})
    wave, found = latest
    key = ("badge", agency, wave.code, wave.current.version, wave.current.snapshot_hash, language)

    async def render() -> bytes:
        t = translator(language, PAGE)
        overall = found["overall"]
        estimate = overall.get("estimate") if overall.get("flag") != "suppress" else None
        year = wave.period_end[:4]
        value = (
            f"{format_number(estimate, language)} / 100 · {year}"
            if estimate is not None
            else t("pub_badge_not_shown")
        )
        name = found["name"].get(language) or found["name"]["vi"]
        return badge_svg(t("pub_badge_label"), value, f"{t('pub_badge_alt', agency=name)}: {value}")

    headers = {
        "Cache-Control": CURRENT_FILE_CACHE,
        "Access-Control-Allow-Origin": "*",
        "Content-Security-Policy": "default-src 'none'",
        "Cross-Origin-Resource-Policy": "cross-origin",  # other sites' pages embed it with <img>
    }
    page = await page_cache(request).rendered(key, render)
    return answer(page, "image/svg+xml", headers, ready=(request, generation))


@get("/results/agencies/{agency:str}/card", include_in_schema=False, middleware=READY, name="results_card")
async def results_card(
    request: Request[Any, Any, Any], agency: AgencyCode, lang: Lang = None
) -> ASGIResponse:
    language = lang_of(lang)
    public = services_of(request).public_results
    generation = public.generation  # read before any await: the card is never kept under a newer one
    latest = await _latest_for(public, agency)
    if latest is None:
        return await not_found(request, language)
    wave, found = latest
    key = ("card", agency, wave.code, wave.current.version, wave.current.snapshot_hash, language)

    async def render() -> bytes:
        t = translator(language, PAGE)
        overall = found["overall"]
        shown = overall.get("flag") != "suppress" and overall.get("estimate") is not None
        return render_page(
            "results_card.html",
            language,
            title=t("pub_card_title"),
            agency=found["name"].get(language) or found["name"]["vi"],
            wave=wave.name_en if language == "en" and wave.name_en else wave.name_vi,
            value=format_number(overall.get("estimate"), language) if shown else None,
            interval=(
                format_number(overall.get("ci_low"), language),
                format_number(overall.get("ci_high"), language),
            ),
            href=f"/results/{quote(wave.code, safe='')}/agencies/{quote(agency, safe='')}"
            + ("?lang=en" if language == "en" else ""),
        )

    # The card is meant for other sites' <iframe>: this page alone may be framed anywhere (browsers obey
    # CSP frame-ancestors over the site-wide X-Frame-Options: DENY when both are present).
    csp = PAGE_HEADERS["Content-Security-Policy"].replace("frame-ancestors 'none'", "frame-ancestors *")
    page = await page_cache(request).rendered(key, render)
    return html(page, cache=CURRENT_FILE_CACHE, csp=csp, ready=(request, generation))


OPEN_DATA_HANDLERS: list[Any] = [
    results_json,
    results_csv,
    results_json_version,
    results_csv_version,
    results_badge,
    results_card,
]
