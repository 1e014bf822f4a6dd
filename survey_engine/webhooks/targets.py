"""Which addresses a webhook may be sent to: the defence against server-side request forgery (SSRF).

A subscription's URL is chosen by agency staff, and the server makes the request from inside the
province's network: without limits, a URL could reach the database, a cloud metadata service or an
intranet page and the delivery log would echo its status codes. So a URL must use https and a host whose
addresses are all public; plain http, loopback and private addresses are allowed only for the hosts an
operator lists in ``SIPAS_WEBHOOK_ALLOW_HOSTS`` (a receiver on the same machine, the tests' 127.0.0.1).
The check runs when the subscription is saved and again (on the resolved addresses) before every attempt;
redirects are never followed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from survey_engine.errors import FieldProblem, InvalidInput

MAX_URL_LENGTH = 2000


class TargetRefused(Exception):
    """The delivery's host resolves to an address that is not allowed."""


def _host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def check_url(url: str, allowed_hosts: frozenset[str]) -> str:
    """The URL as it will be stored; InvalidInput (field ``url``) when it may not be a target."""

    def refuse(message: str) -> InvalidInput:
        return InvalidInput("the webhook address is not acceptable", [FieldProblem("url", message)])

    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH or any(ord(ch) < 33 for ch in url):
        raise refuse(f"a URL without spaces, at most {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise refuse("not a valid URL") from exc
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise refuse("must start with https:// and name a host")
    if parts.username is not None or parts.password is not None:
        raise refuse("must not contain a user name or password")
    if parts.fragment:
        raise refuse("must not contain a fragment (#…)")
    if port == 0:
        raise refuse("not a valid port")
    if parts.scheme == "http" and host not in allowed_hosts:
        raise refuse("must use https (plain http only to hosts the operator allows)")
    if host not in allowed_hosts:
        try:
            address = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            address = None
        if address is not None and not address.is_global:
            raise refuse("must not point at a private, loopback or reserved address")
        if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
            raise refuse("must not point at a local host name")
    return url


async def check_resolved(url: str, allowed_hosts: frozenset[str]) -> None:
    """Before an attempt: every address the host resolves to is public (unless the host is allowed)."""
    host = _host_of(url)
    if host in allowed_hosts:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host.strip("[]"), None, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise TargetRefused(f"cannot resolve {host}") from exc
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not address.is_global:
            raise TargetRefused(f"{host} resolves to a non-public address")
