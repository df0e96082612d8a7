"""Connections only to addresses a policy allows, checked on the very address the socket connects to.

Checking a shop's name when it is added, or before each request, leaves a gap: the name is looked up again when
the connection is made, and a name re-pointed in between (DNS rebinding) reaches whatever it now names. So the
check lives in httpcore's network backend, where a connection starts: the name is resolved once, every address it
gives is checked, and the socket is opened to a checked address (TLS still verifies the certificate against the
shop's name, which httpcore passes on its own).
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable, Iterable

import anyio
import httpcore
import httpx

__all__ = ["AddressAllowed", "AddressRefusedError", "GuardedBackend", "guarded_transport"]

AddressAllowed = Callable[[str], bool]


class AddressRefusedError(httpcore.ConnectError):
    """The shop's name resolves to an address the policy refuses; no connection was attempted."""

    def __init__(self, host: str, refused: Iterable[str]) -> None:
        self.host = host
        self.refused = tuple(refused)
        super().__init__(f"{host} resolves to {', '.join(self.refused) or 'no address'}: refused by policy")


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's asyncio backend, with each TCP connection resolved, checked and made to the checked address."""

    def __init__(self, allowed: AddressAllowed, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._allowed = allowed
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await _resolve(host, port, timeout)
        refused = [address for address in addresses if not self._allowed(address)]
        if refused or not addresses:
            raise AddressRefusedError(host, refused)
        failure: Exception | None = None
        for address in addresses:  # every one was checked; the first that answers is used
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise AddressRefusedError(path, [path])

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


async def _resolve(host: str, port: int, seconds: float | None) -> list[str]:
    try:
        with anyio.fail_after(seconds):
            infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except TimeoutError as exc:
        raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
    except OSError as exc:  # socket.gaierror: no such name
        raise httpcore.ConnectError(f"{host} cannot be resolved: {exc}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def guarded_transport(
    allowed: AddressAllowed, *, verify: ssl.SSLContext | bool, limits: httpx.Limits
) -> httpx.AsyncHTTPTransport:
    """httpx's own transport, its connection pool given the guarded backend.

    httpx has no parameter for httpcore's `network_backend`, so the pool it built is replaced by one made with
    the same settings and that backend (environment proxies are not used: they would connect for us).
    """
    transport = httpx.AsyncHTTPTransport(verify=verify, limits=limits, trust_env=False)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify=verify),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=GuardedBackend(allowed),
    )
    return transport
