"""Server-rendered pages for citizens and interviewers: online form, kiosk, interviewer screens.

``PAGE_HANDLERS`` are mounted by :func:`api.app.create_app`; ``TEMPLATE_CONFIG`` configures Jinja.
"""

from __future__ import annotations

from typing import Any

PAGE_HANDLERS: list[Any] = []
TEMPLATE_CONFIG: Any = None
