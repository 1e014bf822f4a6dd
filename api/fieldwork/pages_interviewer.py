"""Interviewer screens for phone interviews (``/i``): sign in, the call list, a contact, the questionnaire.

Server-rendered, Vietnamese, no JavaScript needed. Authentication is the same ``sipas_session`` cookie as
``POST /api/v1/auth/login`` (the cookie only: these pages never read a bearer header). Because a cookie
rides along with any request, every POST carries a CSRF token in the hidden field ``_csrf``:

* signed in: ``HMAC-SHA256(K, purpose ‖ 0x00 ‖ session token)``, where ``K`` is derived from
  ``SIPAS_SECRET_KEY`` and ``purpose`` names the form (``logout``, ``attempt:{wave}/{contact}``,
  ``form:{wave}/{contact}``): a token for one contact's form is refused on another's;
* the login form (no session yet, "login CSRF"): ``HMAC(K, "login" ‖ 0x00 ‖ nonce)`` where the nonce is a
  random value in a short-lived ``SameSite=Strict`` cookie set by ``GET /i/login`` (double submit).

A request that the browser marks as coming from another site (``Sec-Fetch-Site``, else ``Origin``) is
refused as well. The questionnaire reuses the
online form's machinery (:func:`api.collection.pages_online.advance`): its signed state is bound to the
service-point
token *and* the contact, so a state cannot be replayed against another contact.

Phone numbers are shown only on the contact page, only to the assigned interviewer (as
:meth:`PhoneService.get_contact` decides), and are never logged.

The pages live in ``pages_interviewer_login``, ``pages_interviewer_contacts`` and
``pages_interviewer_interview``; what they share (session, rendering, labels) in ``pages_interviewer_base``.
"""

from __future__ import annotations

from typing import Any

from api.fieldwork.pages_interviewer_contacts import attempt_post, contact_list, contact_page
from api.fieldwork.pages_interviewer_interview import interview_form, interview_post
from api.fieldwork.pages_interviewer_login import login_page, login_post, logout_post

INTERVIEWER_HANDLERS: list[Any] = [
    login_page,
    login_post,
    logout_post,
    contact_list,
    contact_page,
    attempt_post,
    interview_form,
    interview_post,
]
