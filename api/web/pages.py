"""Server-rendered pages for citizens and interviewers: online form, kiosk, interviewer screens.

``PAGE_HANDLERS`` are mounted by :func:`api.app.create_app`; ``TEMPLATE_CONFIG`` configures Jinja
(autoescaping on for every template). Static files (CSS, JS) are served from ``api/static`` under
``/static``: pages load nothing from other origins.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.datastructures import CacheControlHeader
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from api.collection.pages_kiosk import KIOSK_HANDLERS
from api.collection.pages_online import ONLINE_HANDLERS
from api.fieldwork.pages_interviewer import INTERVIEWER_HANDLERS

_HERE = Path(__file__).resolve().parent.parent

TEMPLATE_CONFIG: Any = TemplateConfig(directory=_HERE / "templates", engine=JinjaTemplateEngine)

STATIC_ROUTER = create_static_files_router(
    path="/static",
    directories=[_HERE / "static"],
    cache_control=CacheControlHeader(max_age=3600, public=True),
    include_in_schema=False,
)

PAGE_HANDLERS: list[Any] = [*ONLINE_HANDLERS, *KIOSK_HANDLERS, *INTERVIEWER_HANDLERS, STATIC_ROUTER]
