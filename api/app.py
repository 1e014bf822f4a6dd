"""The Litestar application: routes, problem details, lifespan of the database engine."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.datastructures import ResponseHeader
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import Message, Scope
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from api.administration.routes_admin_units import (
    list_admin_units,
    list_map_versions,
    unit_predecessors,
    unit_successors,
)
from api.administration.routes_agencies import AgencyController, ServicePointController
from api.administration.routes_agency_successions import AgencySuccessionController
from api.administration.routes_provinces import ProvinceController
from api.administration.routes_questionnaires import QuestionnaireController
from api.administration.routes_users import AuditController, UserController
from api.administration.routes_waves import WaveController
from api.cells_upkeep import run_cells_upkeep
from api.collection.routes_forms import get_form
from api.collection.routes_qr import QR_HANDLERS
from api.collection.routes_submissions import KioskDeviceController, submit
from api.database import RecentDatabaseFailures, engine_from_url, prepare_sqlite_file, use_engine
from api.fieldwork.routes_fieldwork import FIELDWORK_HANDLERS
from api.fieldwork.routes_phone import PHONE_HANDLERS
from api.integrations.routes_api_keys import ApiKeyController
from api.integrations.routes_counter import COUNTER_HANDLERS
from api.national.routes_national import NATIONAL_HANDLERS
from api.process_memory import keep_freed_memory, pretouch_heap
from api.publication.open_data import OPEN_DATA_HANDLERS
from api.publication.pages_remapped import REMAPPED_HANDLERS
from api.publication.pages_results import PUBLIC_RESULTS_HANDLERS
from api.publication.routes_releases import ReleaseController
from api.results.routes_estimates import wave_estimates
from api.results.routes_reports import REPORT_HANDLERS
from api.services import Services
from api.settings import Settings
from api.web.auth import provide_actor
from api.web.console import CONSOLE_ROUTER
from api.web.health import VERSION, health
from api.web.json_body import JsonLimitedRequest
from api.web.pages import PAGE_HANDLERS, TEMPLATE_CONFIG
from api.web.pages_common import SECURITY_HEADERS
from api.web.problems import EXCEPTION_HANDLERS
from api.web.request_checks import CrossSiteRequest, cross_site_problem, json_bodies_only
from api.web.routes_auth import AuthController
from api.webhooks.routes_webhooks import WEBHOOK_HANDLERS

# Drivers log SQL with its parameters at DEBUG (phone numbers, tokens): never let those lines through.
for _driver in ("aiosqlite", "asyncpg"):
    logging.getLogger(_driver).setLevel(logging.INFO)


# Static headers on the route handlers' responses (Litestar merges them, and the OpenAPI document lists
# them); a handler's own header of the same name (e.g. the pages' stricter values) wins. Every other
# response gets them from add_security_headers.
RESPONSE_HEADERS = [ResponseHeader(name=name, value=value) for name, value in SECURITY_HEADERS.items()]
_SECURITY_RAW = [
    (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in SECURITY_HEADERS.items()
]
_SECURITY_NAMES = frozenset(name for name, _ in _SECURITY_RAW)


async def add_security_headers(message: Message, _: Scope) -> None:
    """Fill in the security headers a response lacks.

    ``response_headers`` reach only the responses of route handlers: answers made before a route is found
    (the router's 404 and 405, built by the exception handlers) never pass through them. This hook sees
    every response the application sends; headers already present (a page's stricter values) are kept.
    """
    if message["type"] != "http.response.start":
        return
    headers = list(message.get("headers") or ())
    present = {name.lower() for name, _ in headers} & _SECURITY_NAMES
    if len(present) < len(_SECURITY_NAMES):
        headers.extend(header for header in _SECURITY_RAW if header[0] not in present)
        message["headers"] = headers


@asynccontextmanager
async def database_lifespan(app: Litestar) -> AsyncIterator[None]:
    """The database pool, the webhook worker and the cells upkeep, for what the application is bound to
    (:func:`bind`)."""
    settings: Settings = app.state.settings
    engine: Engine[Any] = app.state.engine
    services: Services = app.state.services
    use_engine(engine)
    # Only PostgreSQL has a pool; the narrowed name gives the type checker the PostgreSQL signatures.
    pooled = engine if isinstance(engine, PostgresEngine) and settings.database_pool_size > 0 else None
    if pooled is not None:
        await pooled.start_connection_pool(min_size=1, max_size=settings.database_pool_size)
    # Webhook deliveries run beside the requests (any number of processes: deliveries are claimed).
    stop = asyncio.Event()
    worker = (
        asyncio.create_task(services.webhook_worker().run_forever(stop), name="sipas-webhooks")
        if settings.webhook_worker
        else None
    )
    # Cell sums kept stored ahead of requests (one process of the host at a time: api/cells_upkeep.py).
    upkeep = (
        asyncio.create_task(
            run_cells_upkeep(stop, settings.cells_upkeep_seconds, settings.data_dir / "cells-upkeep.lock"),
            name="sipas-cells-upkeep",
        )
        if settings.cells_upkeep_seconds > 0
        else None
    )
    try:
        yield
    finally:
        stop.set()
        if worker is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(worker, timeout=settings.webhook_timeout_seconds + 5)
        if upkeep is not None:
            # a round stops before its next read; one already running is not waited for past a minute
            with contextlib.suppress(Exception):
                await asyncio.wait_for(upkeep, timeout=60)
        await services.submissions.committer.close()
        if pooled is not None:
            await pooled.close_connection_pool()


def bind(app: Litestar, settings: Settings, engine: Engine[Any]) -> None:
    """Give the application its settings, database and a fresh set of services (every cache empty).

    Building the routes is the costly part of :func:`create_app` (a fifth of a second); what depends on the
    settings and the database is all here, so an application can be bound again to other settings that
    share :func:`structure_of` (the tests reuse one application per structure, each test on its own
    database), with nothing kept from before.
    """
    prepare_sqlite_file(engine)
    use_engine(engine)
    for name in list(app.state.dict()):
        del app.state[name]
    app.state.settings = settings
    app.state.services = Services.build(settings)
    app.state.engine = engine
    app.state.database_failures = RecentDatabaseFailures()


def structure_of(settings: Settings) -> tuple[Any, ...]:
    """The settings that shape the routes themselves (fixed by :func:`create_app`, not by :func:`bind`)."""
    return (settings.max_request_bytes,)


def create_app(settings: Settings | None = None, engine: Engine[Any] | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    engine = engine or engine_from_url(settings.database_url)
    app = Litestar(
        route_handlers=[
            health,
            get_form,
            AuthController,
            UserController,
            AuditController,
            list_admin_units,
            list_map_versions,
            unit_successors,
            unit_predecessors,
            ProvinceController,
            AgencyController,
            AgencySuccessionController,
            ServicePointController,
            QuestionnaireController,
            WaveController,
            submit,
            KioskDeviceController,
            *QR_HANDLERS,
            *PHONE_HANDLERS,
            wave_estimates,
            *NATIONAL_HANDLERS,
            *FIELDWORK_HANDLERS,
            *REPORT_HANDLERS,
            *WEBHOOK_HANDLERS,
            ApiKeyController,
            *COUNTER_HANDLERS,
            ReleaseController,
            *PUBLIC_RESULTS_HANDLERS,
            *REMAPPED_HANDLERS,
            *OPEN_DATA_HANDLERS,
            *PAGE_HANDLERS,
            CONSOLE_ROUTER,
        ],
        template_config=TEMPLATE_CONFIG,
        dependencies={"actor": Provide(provide_actor)},
        guards=[json_bodies_only],  # every layer's guards add up: no route can leave it out
        exception_handlers={**EXCEPTION_HANDLERS, CrossSiteRequest: cross_site_problem},  # type: ignore[dict-item]
        lifespan=[database_lifespan],
        response_headers=RESPONSE_HEADERS,
        before_send=[add_security_headers],
        request_class=JsonLimitedRequest,
        request_max_body_size=settings.max_request_bytes,  # the one setting in here: see structure_of
        openapi_config=OpenAPIConfig(
            title="sipas",
            version=VERSION,
            description=(
                "Collection, design-based statistics and scorecards for satisfaction surveys.\n\n"
                "Request bodies of JSON endpoints must be sent as `application/json` (or "
                "`application/*+json`); any other content type answers 415. Scripts authenticate with the "
                "bearer token from `POST /api/v1/auth/login`. A browser page may use the `sipas_session` "
                "cookie instead, but a state-changing request (POST, PUT, PATCH, DELETE) made with the "
                "cookie must come from this site: `Sec-Fetch-Site`, when sent, must be `same-origin`; "
                "`Origin`, when sent, must be this site's origin; and one of them must say so, or the "
                "request must carry an `X-Requested-With` header. Otherwise it answers 403 "
                "`urn:sipas:problem:cross-site-request`."
            ),
            path="/schema",
            render_plugins=[JsonRenderPlugin()],
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(type="http", scheme="bearer"),
                    "session": SecurityScheme(
                        type="apiKey",
                        name="sipas_session",
                        security_scheme_in="cookie",
                        description=(
                            "The browser session. Writes with it must come from this site (Origin or "
                            "Sec-Fetch-Site: same-origin) or carry X-Requested-With; else 403."
                        ),
                    ),
                }
            ),
            security=[{"bearer": []}, {"session": []}],
        ),
        debug=False,
    )
    bind(app, settings, engine)
    return app


def settle_startup_objects() -> None:
    """Take what start-up made (modules, routes, templates, catalogues: ~170,000 objects that live as long
    as the process) out of the garbage collector's sight. A full collection otherwise walks them all; on a
    2-core machine that was a 170-280 ms pause, which was the slowest requests' time under load."""
    gc.collect()
    gc.freeze()


def app_from_env() -> Litestar:
    """Entry point for ``uvicorn --factory api.app:app_from_env`` (each worker process of ``sipas serve``)."""
    keep_freed_memory()
    settings = Settings.from_env()
    app = create_app(settings)
    app.on_startup.append(settle_startup_objects)
    if settings.pretouch_mb:

        def pretouch() -> None:
            pretouch_heap(settings.pretouch_mb)

        app.on_startup.append(pretouch)
    return app
