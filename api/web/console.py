"""The staff console: server-rendered pages under ``/staff`` for staff who do not use a command line.

Vietnamese first (English by a switch kept in a cookie), role-aware menus and checks on every page,
CSRF tokens on every form, no external resources (the same CSP as the citizen pages). Each section is a
module with its own ``HANDLERS``; :mod:`api.web.console_base` holds what they share.
"""

from __future__ import annotations

from typing import Any

from litestar import Router
from litestar.di import Provide

from api.administration import console_agencies as agencies
from api.administration import console_agency_successions as agency_successions
from api.administration import console_provinces as provinces
from api.administration import console_service_points as service_points
from api.administration import console_users as users
from api.administration import console_waves as waves
from api.collection import console_kiosks as kiosks
from api.fieldwork import console_fieldwork as fieldwork
from api.integrations import console_integrations as integrations
from api.paper import console_paper as paper
from api.paper import console_paper_entry as paper_entry
from api.publication import console_releases as releases
from api.results import console_results as results
from api.web.console_base import EXCEPTION_HANDLERS, provide_staff
from api.web.console_session import SESSION_HANDLERS
from api.webhooks import console_webhooks as webhooks

CONSOLE_ROUTER: Any = Router(
    path="/",
    route_handlers=[
        *SESSION_HANDLERS,
        *agencies.HANDLERS,
        *agency_successions.HANDLERS,
        *service_points.HANDLERS,
        *kiosks.HANDLERS,
        *webhooks.HANDLERS,
        *waves.HANDLERS,
        *fieldwork.HANDLERS,
        *paper.HANDLERS,
        *paper_entry.HANDLERS,
        *results.HANDLERS,
        *integrations.HANDLERS,
        *releases.HANDLERS,
        *users.HANDLERS,
        *provinces.HANDLERS,
    ],
    dependencies={"staff": Provide(provide_staff)},
    exception_handlers=EXCEPTION_HANDLERS,
    include_in_schema=False,
)
