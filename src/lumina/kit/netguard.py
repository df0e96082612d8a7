"""Refuses shop URLs that would make the service reach into its own network (SSRF)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit


class UnsafeURLError(ValueError):
    pass


def is_public_address(address: str) -> bool:
    """Whether connecting to this IP address leaves the service's own networks."""
    ip = ipaddress.ip_address(address)
    return ip.is_global and not ip.is_multicast


async def ensure_public_url(url: str) -> None:
    """Raise unless every address the URL's host resolves to is public."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURLError("the shop URL must start with http:// or https:// and name a host")
    host = parts.hostname
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UnsafeURLError(f"the shop host {host!r} cannot be resolved") from exc
    addresses = {str(info[4][0]) for info in infos}
    if not addresses or not all(is_public_address(address) for address in addresses):
        raise UnsafeURLError(
            f"the shop host {host!r} points at a private, loopback or link-local address; "
            "an operator can allow that with ALLOW_PRIVATE_SHOP_URLS=true"
        )
