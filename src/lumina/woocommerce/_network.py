"""Connections only to addresses a policy allows, checked on the very address the socket connects to.

Checking a shop's name when it is added, or before each request, leaves a gap: the name is looked up again when
the connection is made, and a name re-pointed in between (DNS rebinding) reaches whatever it now names. So the
check lives in the resolver aiohttp's connector asks when it opens a connection: the name is resolved once, every
address it gives is checked, and the connector connects only to the addresses the resolver returned (TLS still
verifies the certificate against the shop's name). A host that is an address itself never reaches the resolver,
so `refused_literal` checks it before any request.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable

from aiohttp import ThreadedResolver
from aiohttp.abc import AbstractResolver, ResolveResult

__all__ = ["AddressAllowed", "AddressRefusedError", "GuardedResolver", "refused_literal"]

AddressAllowed = Callable[[str], bool]


class AddressRefusedError(OSError):
    """The shop's name resolves to an address the policy refuses; no connection was attempted.

    An OSError because aiohttp passes a resolver's OSError on as the cause of its connection error."""

    def __init__(self, host: str, refused: Iterable[str]) -> None:
        self.host = host
        self.refused = tuple(refused)
        super().__init__(f"{host} resolves to {', '.join(self.refused) or 'no address'}: refused by policy")


class GuardedResolver(AbstractResolver):
    """aiohttp's threaded resolver (getaddrinfo), answering only when every address the name has is allowed."""

    def __init__(self, allowed: AddressAllowed, inner: AbstractResolver | None = None) -> None:
        self._allowed = allowed
        self._inner = inner or ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        refused = [result["host"] for result in results if not self._allowed(result["host"])]
        if refused or not results:
            raise AddressRefusedError(host, refused)
        return results

    async def close(self) -> None:
        await self._inner.close()


def refused_literal(host: str, allowed: AddressAllowed) -> AddressRefusedError | None:
    """The refusal of a host that is an IP address the policy refuses, else None.

    aiohttp connects to a host that looks like an address (a colon, or only digits and dots) without asking the
    resolver, so such a host is checked here; it cannot be re-pointed, so checking it once is enough. One that is
    not a valid address (`127.1`) is refused too: the policy cannot vouch for it."""
    if ":" not in host and not host.replace(".", "").isdigit():
        return None
    try:
        ok = allowed(host)
    except ValueError:
        ok = False
    return None if ok else AddressRefusedError(host, [host])
