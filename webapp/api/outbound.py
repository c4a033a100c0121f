"""Calling a URL a user gave us (webhook endpoints) without letting it reach our own network.

The host is resolved once; every address it resolves to must be public (no private, loopback,
link-local, multicast or reserved address); then the connection goes to the checked address,
with the Host header and the TLS server name still the host's. So a DNS answer that changes
between the check and the call (rebinding) cannot send the call inside. Redirects are not
followed, and no proxy from the environment is used (it would resolve the name again).
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES turns the check off for a self-hosted install.
"""

import ipaddress
import socket
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter


class UnsafeURL(ValueError):
    """A URL this site will not call (its message says why, for its owner)."""


def is_public(address) -> bool:
    return address.is_global and not address.is_multicast


def public_address(url: str) -> str | None:
    """The checked address to connect to; None when private addresses are allowed (then the
    call goes by name). Raises UnsafeURL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL(_("Use an http:// or https:// address."))
    if settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError):
        raise UnsafeURL(_("This host name does not resolve.")) from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not addresses or not all(is_public(a) for a in addresses):
        raise UnsafeURL(_("This address is not on the public internet."))
    return str(addresses[0])


class _PinnedTLS(HTTPAdapter):
    """HTTPS to an address, checking the certificate against the host's name."""

    def __init__(self, hostname: str):
        self.hostname = hostname
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["server_hostname"] = self.hostname
        kwargs["assert_hostname"] = self.hostname
        super().init_poolmanager(*args, **kwargs)


def post(url: str, body: bytes, headers: dict, timeout: float) -> requests.Response:
    """POST `body` to `url` as described above. Raises UnsafeURL or requests' errors."""
    parts = urlsplit(url)
    address = public_address(url)
    with requests.Session() as session:
        session.trust_env = False
        if address is None:
            return session.post(
                url, data=body, headers=headers, timeout=timeout, allow_redirects=False
            )
        host = f"[{address}]" if ":" in address else address
        name = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        port = f":{parts.port}" if parts.port else ""
        pinned = urlunsplit((parts.scheme, host + port, parts.path or "/", parts.query, ""))
        if parts.scheme == "https":
            session.mount("https://", _PinnedTLS(parts.hostname))
        return session.post(
            pinned,
            data=body,
            headers={**headers, "Host": name + port},
            timeout=timeout,
            allow_redirects=False,
        )
