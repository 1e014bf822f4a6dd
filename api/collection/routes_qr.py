"""QR codes, printable posters and receipt codes for service points (staff only)."""

from __future__ import annotations

import math
from functools import partial
from typing import Annotated, Any, Literal
from urllib.parse import quote

import anyio.to_thread
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from api.services import Services
from api.web.auth import AGENCY_EDITORS, READERS
from reports.posters import PosterData, render_poster
from reports.qr import qr_png, qr_svg
from survey_engine.actors import Actor
from survey_engine.administration.agencies import ServicePointRecord
from survey_engine.collection.forms import form_for_token
from survey_engine.collection.receipts import (
    InvalidReceipt,
    normalise_dossier_code,
    sign_receipt,
    verify_receipt,
)
from survey_engine.errors import Conflict, FieldProblem, InvalidInput, NotFound

QrChannel = Annotated[
    Literal["online", "kiosk"], QueryParameter(description="online form (/f/) or kiosk page (/k/)")
]
PosterSize = Annotated[Literal["A4", "A5"], QueryParameter(description="paper size")]
PosterLanguage = Annotated[Literal["vi", "en"], QueryParameter(description="main language")]
ReceiptQuery = Annotated[
    str | None,
    QueryParameter(max_length=300, description="a receipt code: the QR then allows one response"),
]
NO_CACHE = {"Cache-Control": "private, no-cache"}  # a rotated token must not live on in a cache


class ReceiptIn(msgspec.Struct, forbid_unknown_fields=True):
    dossier_code: Annotated[str, msgspec.Meta(min_length=1, max_length=80, description="the dossier code")]


class ReceiptOut(msgspec.Struct):
    receipt: str
    dossier_code: str
    service_point: str
    url: str
    qr_png_url: str
    qr_svg_url: str


def form_url(services: Services, point: ServicePointRecord, channel: str, receipt: str | None = None) -> str:
    token = point.token
    url = services.kiosk_url(token) if channel == "kiosk" else services.online_url(token)
    return f"{url}?r={quote(receipt, safe='')}" if receipt else url


async def poster_data(
    services: Services, actor: Actor, code: str, channel: Literal["online", "kiosk"]
) -> PosterData:
    """Everything a poster shows for one service point (NotFound outside the actor's agency)."""
    point = await services.service_points.get(actor, code)
    agency = await services.agencies.get(actor, point.agency)
    province = await services.admin_units.province_name(agency.unit or None, agency.unit_version or None)
    questions = None
    try:
        form = await form_for_token(point.token)
        items = form.definition.get("items")
        if isinstance(items, list):
            questions = len(items) or None
    except (NotFound, Conflict):
        pass  # no open wave yet: "a few short questions"
    url = form_url(services, point, channel)
    # About 7 seconds per item on a phone; at least 2 minutes.
    minutes = max(2, math.ceil(questions * 7 / 60)) if questions else 5
    return PosterData(
        agency_name_vi=agency.name_vi,
        agency_name_en=agency.name_en,
        point_name_vi=point.name_vi,
        point_name_en=point.name_en,
        channel=channel,
        url=url,
        fallback_text=url,
        province_name=province,
        questions=questions,
        minutes=minutes,
    )


class QrController(Controller):
    path = "/api/v1/service-points"
    tags = ["service points"]

    async def _url(
        self, request: Request[Any, Any, Any], actor: Actor, code: str, channel: str, receipt: str | None
    ) -> str:
        services: Services = request.app.state.services
        point = await services.service_points.get(actor, code)
        if receipt is not None:
            try:
                carried = verify_receipt(services.settings.secret_key, receipt)
            except InvalidReceipt as exc:
                raise InvalidInput(
                    "not a valid receipt code", [FieldProblem("query:receipt", str(exc))]
                ) from exc
            if carried.service_point != code:
                raise InvalidInput(
                    "the receipt belongs to another service point",
                    [FieldProblem("query:receipt", "issued for another service point")],
                )
        return form_url(services, point, channel, receipt)

    @get(
        "/{code:str}/qr.png",
        summary="QR code (PNG) of the online form or kiosk page of a service point",
        guards=[READERS],
        media_type="image/png",
    )
    async def qr_png(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        code: FromPath[str],
        channel: QrChannel = "online",
        receipt: ReceiptQuery = None,
    ) -> Response[bytes]:
        url = await self._url(request, actor, code, channel, receipt)
        body = await anyio.to_thread.run_sync(qr_png, url)
        return Response(content=body, media_type="image/png", headers=NO_CACHE)

    @get(
        "/{code:str}/qr.svg",
        summary="QR code (SVG) of the online form or kiosk page of a service point",
        guards=[READERS],
        media_type="image/svg+xml",
    )
    async def qr_svg(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        code: FromPath[str],
        channel: QrChannel = "online",
        receipt: ReceiptQuery = None,
    ) -> Response[bytes]:
        url = await self._url(request, actor, code, channel, receipt)
        body = await anyio.to_thread.run_sync(qr_svg, url)
        return Response(content=body, media_type="image/svg+xml", headers=NO_CACHE)

    @get(
        "/{code:str}/poster.pdf",
        summary="Printable A4/A5 poster with the QR code, instructions and the address to type",
        guards=[READERS],
        media_type="application/pdf",
    )
    async def poster(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        code: FromPath[str],
        channel: QrChannel = "online",
        size: PosterSize = "A4",
        lang: PosterLanguage = "vi",
    ) -> Response[bytes]:
        data = await poster_data(request.app.state.services, actor, code, channel)
        body = await anyio.to_thread.run_sync(partial(render_poster, data, size, lang))
        filename = f"poster-{code}-{size}.pdf"
        return Response(
            content=body,
            media_type="application/pdf",
            headers={**NO_CACHE, "Content-Disposition": f'attachment; filename="{filename}"'},
        )

    @post(
        "/{code:str}/receipts",
        summary="Issue a receipt code for a dossier: its QR allows exactly one response",
        guards=[AGENCY_EDITORS],
        status_code=201,
    )
    async def issue_receipt(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        code: FromPath[str],
        data: JSONBody[ReceiptIn],
    ) -> ReceiptOut:
        services: Services = request.app.state.services
        point = await services.service_points.get(actor, code)
        try:
            dossier = normalise_dossier_code(data.dossier_code)
        except ValueError as exc:
            raise InvalidInput("not a dossier code", [FieldProblem("dossier_code", str(exc))]) from exc
        receipt = sign_receipt(services.settings.secret_key, dossier, code)
        base = f"{self.path}/{code}"
        return ReceiptOut(
            receipt=receipt,
            dossier_code=dossier,
            service_point=code,
            url=form_url(services, point, "online", receipt),
            qr_png_url=f"{base}/qr.png?receipt={receipt}",
            qr_svg_url=f"{base}/qr.svg?receipt={receipt}",
        )


QR_HANDLERS: list[Any] = [QrController]
