"""The one translation point from errors to RFC 9457 problem details (``application/problem+json``).

Every problem carries an explicit ``type`` (a URN naming the kind), ``title`` (fixed per type),
``status``, ``detail`` (this occurrence) and, for validation problems, ``errors``: one entry per field
with a JSON-pointer-like ``field`` and a ``message``.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from api.web.json_body import JsonTooDeep
from survey_engine.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    FieldProblem,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
)
from survey_engine.transactions import unavailable_cause

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("sipas.api")

# status → (type slug, title); the slug makes the URN, which clients may switch on.
_KINDS: dict[int, tuple[str, str]] = {
    400: ("bad-request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Not allowed for your role"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict with the current state"),
    413: ("payload-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation", "Invalid request"),
    429: ("rate-limited", "Too many requests"),
    500: ("internal", "Internal error"),
    503: ("unavailable", "Service unavailable"),
}
_AT = re.compile(r"\s*-\s*at\s*`\$(?P<path>[^`]*)`\s*$")
# msgspec names the offending key inside the message for these two, not in the path.
_NAMED_KEY = re.compile(r"(?:unknown field|missing required field) `(?P<key>[^`]+)`")


def problem_type(status: int) -> str:
    return "urn:sipas:problem:" + _KINDS.get(status, ("error", "Error"))[0]


def problem_response(
    status: int,
    detail: str,
    request: Request[Any, Any, Any] | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": problem_type(status),
        "title": _KINDS.get(status, ("error", "Error"))[1],
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    if errors is not None:
        body["errors"] = errors
    return Response(content=body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _field_errors(problems: list[FieldProblem]) -> list[dict[str, str]]:
    return [{"field": p.field, "message": p.message, "code": p.code} for p in problems]


# Each kind of conflict has its own problem type, so clients can tell "already stored differently"
# from "the wave has closed" without parsing prose.
_CONFLICT_TYPES = {
    "closed": ("wave-closed", "The survey is closed"),
    "stale": ("stale-questionnaire", "The form is out of date"),
    "idempotency": ("idempotency-conflict", "Same id, different body"),
    "already_answered": ("already-answered", "This dossier has already been answered"),
    "release": ("release-state", "The release is not in the state this step needs"),
}


def domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    if isinstance(exc, InvalidInput):
        return problem_response(422, exc.detail, request, _field_errors(exc.problems))
    if isinstance(exc, RateLimited):
        return problem_response(429, exc.detail, request, headers={"Retry-After": str(exc.retry_after)})
    if isinstance(exc, Conflict) and exc.kind in _CONFLICT_TYPES:
        slug, title = _CONFLICT_TYPES[exc.kind]
        response = problem_response(409, exc.detail, request)
        response.content.update(type=f"urn:sipas:problem:{slug}", title=title)
        return response
    status = {NotFound: 404, Conflict: 409, Forbidden: 403, AuthenticationFailed: 401}.get(type(exc), 400)
    headers = {"WWW-Authenticate": 'Bearer realm="sipas"'} if status == 401 else None
    return problem_response(status, exc.detail, request, headers=headers)


def _validation_errors(exc: ValidationException) -> tuple[int, list[dict[str, str]]]:
    """Litestar reports msgspec's messages as "… - at `$.path`"; turn each into a field error."""
    extra = exc.extra if isinstance(exc.extra, list) else ([exc.extra] if exc.extra else [])
    errors: list[dict[str, str]] = []
    status = 422
    for entry in extra:
        if not isinstance(entry, dict):
            errors.append({"field": "", "message": str(entry), "code": "invalid"})
            continue
        message = str(entry.get("message", "invalid value"))
        source = getattr(entry.get("source"), "value", entry.get("source"))
        field = str(entry.get("key") or "")
        match = _AT.search(message)
        if match:
            field = match.group("path").lstrip(".")
            message = message[: match.start()]
        elif field == "data":
            field = ""  # "data" is the handler's parameter name, not the client's field
        named = _NAMED_KEY.search(message)
        if named:
            field = f"{field}.{named.group('key')}" if field else named.group("key")
        if source in ("query", "path", "header", "cookie"):
            status = 400  # a bad URL is not a bad body
            field = f"{source}:{field}" if field else str(source)
        code = (
            "unknown_field"
            if "unknown field" in message
            else ("required" if "missing required" in message.lower() else "invalid")
        )
        errors.append({"field": field, "message": message, "code": code})
    if not errors:
        detail = str(exc.detail)
        if "JSON" in detail or "decode" in detail.lower() or "malformed" in detail.lower():
            errors.append({"field": "", "message": "the body is not valid JSON", "code": "malformed"})
        else:
            errors.append({"field": "", "message": detail, "code": "invalid"})
    return status, errors


def http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    if isinstance(exc, ValidationException):
        status, errors = _validation_errors(exc)
        return problem_response(status, "the request did not pass validation", request, errors)
    if isinstance(exc, JsonTooDeep):
        return problem_response(
            422,
            "the body is nested too deeply",
            request,
            [{"field": "", "message": str(exc.detail), "code": "too_deep"}],
        )
    status = exc.status_code
    detail = str(exc.detail) if exc.detail else _KINDS.get(status, ("", "Error"))[1]
    if status == 400 and isinstance(exc.__cause__, SerializationException):
        # Malformed JSON is an invalid body like any other: 422 with a field error.
        return problem_response(
            422,
            "the body is not valid JSON",
            request,
            [{"field": "", "message": detail, "code": "malformed"}],
        )
    if status == 413:
        detail = "the request body is larger than the limit of 1 MiB"
    return problem_response(status, detail, request, headers=dict(exc.headers or {}) or None)


# Seconds a client should wait before trying again, per cause of unavailability (see database_unavailable).
RETRY_AFTER_SECONDS = {
    "locked": 2,
    "overloaded": 5,
    "timeout": 10,
    "unreachable": 10,
    "disk_full": 60,
    "read_only": 60,
}
DEFAULT_RETRY_AFTER_SECONDS = 30


def database_unavailable(
    request: Request[Any, Any, Any], exc: Exception, cause: str
) -> Response[dict[str, Any]]:
    """503 with Retry-After: the database is busy, full or out of reach, not the request at fault."""
    log.warning(
        "database unavailable (%s): %s on %s %s", cause, type(exc).__name__, request.method, request.url.path
    )
    failures = request.app.state.get("database_failures")
    if failures is not None:
        failures.record(cause)  # /health reports it for a while
    retry_after = RETRY_AFTER_SECONDS.get(cause, DEFAULT_RETRY_AFTER_SECONDS)
    detail = (
        "the database is busy; try again shortly"
        if cause == "locked"
        else "the database is unavailable at the moment; try again later"
    )
    return problem_response(503, detail, request, headers={"Retry-After": str(retry_after)})


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    cause = unavailable_cause(exc)
    if cause is not None:
        return database_unavailable(request, exc, cause)
    # Log the type, the route and where it happened, never the exception's text: it may quote request data
    # (answers, phone numbers).
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error("unhandled %s on %s %s\n%s", type(exc).__name__, request.method, request.url.path, frames)
    return problem_response(HTTP_500_INTERNAL_SERVER_ERROR, "an unexpected error occurred", request)


EXCEPTION_HANDLERS = {
    DomainError: domain_error_handler,
    HTTPException: http_exception_handler,
    Exception: internal_error_handler,
}

__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_MEDIA_TYPE", "MediaType", "problem_response"]
