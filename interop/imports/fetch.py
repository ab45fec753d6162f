"""Reading a source from its address: an association's calendar feed, an agenda's export.

The address is given by a user, so the request is held to what a feed needs and no more:
http(s) only; a host that resolves to a private, loopback or link-local address is refused
(the server would otherwise reach what only it can see), unless `IMPORT_ALLOW_PRIVATE_HOSTS`
says so (the tests serve feeds on loopback); a timeout; at most `IMPORT_MAX_BYTES`, counted
as the body arrives. Redirects are followed by hand, each hop held to the same rules. The
Content-Type is not trusted: the job's kind says how the bytes are read.
"""

import ipaddress
import socket
from urllib.parse import urljoin, urlsplit

import httpx
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from backend.errors import ValidationFailed

MAX_REDIRECTS = 5


class FetchError(ValidationFailed):
    """The source cannot be read from its address; the message says why, for the importer."""

    default_code = "fetch_failed"


def check_url(url: str) -> str:
    """The address if it may be read, else `FetchError` naming what is wrong with it."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        message = _("Give an address starting with http:// or https://.")
        raise FetchError(message, fields={"url": [message]})
    if not settings.IMPORT_ALLOW_PRIVATE_HOSTS:
        for address in _addresses(parts.hostname, parts.port or 443):
            if not address.is_global:
                message = _("This address points to a private network: it cannot be read.")
                raise FetchError(message, fields={"url": [message]})
    return url


def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        message = _("This address's server cannot be found.")
        raise FetchError(message, fields={"url": [message]}) from error
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def fetch_url(url: str) -> bytes:
    """The body at `url`, within the limits above; `FetchError` otherwise."""
    limit = settings.IMPORT_MAX_BYTES
    timeout = httpx.Timeout(settings.IMPORT_FETCH_TIMEOUT)
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            check_url(url)
            try:
                with client.stream("GET", url, headers={"User-Agent": "Relier import"}) as answer:
                    if answer.is_redirect and answer.headers.get("location"):
                        url = urljoin(url, answer.headers["location"])
                        continue
                    if answer.status_code >= 400:
                        raise FetchError(
                            _("The server answered with error %(status)d.")
                            % {"status": answer.status_code}
                        )
                    body = bytearray()
                    for chunk in answer.iter_bytes():
                        body += chunk
                        if len(body) > limit:
                            raise FetchError(
                                _("The source is too large: at most %(limit)s.")
                                % {"limit": filesizeformat(limit)}
                            )
                    return bytes(body)
            except httpx.TimeoutException as error:
                raise FetchError(_("The server did not answer in time.")) from error
            except httpx.HTTPError as error:
                raise FetchError(_("The source could not be read from this address.")) from error
    raise FetchError(_("The address redirects too many times."))
