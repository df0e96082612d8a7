"""ShopServer and FleetServer: a simulated shop, or a fleet of them, on a real loopback port (uvicorn in a background
thread), HTTP or HTTPS."""

from __future__ import annotations

import asyncio
import socket
import ssl
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypedDict, Unpack

import uvicorn

from woosim.fleet import Fleet
from woosim.http.app import ShopApp
from woosim.http.fleet import FleetApp
from woosim.shop import SimulatedShop


class _Uvicorn(uvicorn.Server):
    """uvicorn.Server that stops at once when asked (the stock one polls `should_exit` every 0.1 s)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        if not self.should_exit:
            await self._stopping.wait()

    def request_stop(self) -> None:
        self.should_exit = True
        loop, event = self._loop, self._stopping
        if loop is not None and event is not None and not loop.is_closed():
            loop.call_soon_threadsafe(event.set)


class ServeOptions(TypedDict, total=False):
    https: bool
    host: str
    port: int
    log_level: str


class _LoopbackServer:
    """An ASGI app on host:port (port 0: a free one). `https=True` serves TLS with a certificate from a throwaway
    test CA (trustme); clients trust it through `ssl_context_for_clients()`.

    Use as a context manager, sync (`with`) or async (`async with`).
    """

    def __init__(
        self, *, https: bool = False, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning"
    ) -> None:
        self.https = https
        self.host = host
        self.port = port
        self.log_level = log_level
        self._ca: Any = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._server: _Uvicorn | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None

    def _app(self) -> Any:
        """The app to serve, told where it is served (`base_url` is known by then)."""
        raise NotImplementedError

    @property
    def scheme(self) -> str:
        return "https" if self.https else "http"

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def ssl_context_for_clients(self) -> ssl.SSLContext:
        """A client context that trusts this server's test CA (a default context for plain HTTP)."""
        context = ssl.create_default_context()
        if self._ca is not None:
            self._ca.configure_trust(context)
        return context

    @property
    def ca_cert_pem(self) -> bytes:
        """The test CA certificate (PEM), for clients in other processes."""
        if self._ca is None:
            raise RuntimeError("not an HTTPS server")
        pem: bytes = self._ca.cert_pem.bytes()
        return pem

    def start(self) -> Self:
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted sockets inherit this; without it small responses (headers, then body) stall on delayed ACKs.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        self._sock = sock
        options: dict[str, Any] = {}
        if self.https:
            options.update(self._tls_files())
        config = uvicorn.Config(
            self._app(),
            log_level=self.log_level,
            access_log=False,
            server_header=False,
            date_header=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
            **options,
        )
        self._server = _Uvicorn(config)
        self._thread = threading.Thread(target=self._run, name=f"woosim-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the simulated shop did not start")
            time.sleep(0.005)
        return self

    def _run(self) -> None:
        assert self._server is not None
        assert self._sock is not None
        asyncio.run(self._server.serve(sockets=[self._sock]))

    def _tls_files(self) -> dict[str, str]:
        try:
            import trustme  # noqa: PLC0415 - a test dependency, needed only for HTTPS
        except ImportError as exc:  # pragma: no cover - trustme is a test dependency
            raise RuntimeError("HTTPS needs the 'trustme' package") from exc
        self._ca = trustme.CA()
        cert = self._ca.issue_cert(self.host, "localhost", "127.0.0.1")
        self._tmp = tempfile.TemporaryDirectory(prefix="woosim-tls-")
        key_path = Path(self._tmp.name) / "key.pem"
        cert_path = Path(self._tmp.name) / "cert.pem"
        cert.private_key_pem.write_to_path(str(key_path))
        cert_path.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
        return {"ssl_keyfile": str(key_path), "ssl_certfile": str(cert_path)}

    def stop(self) -> None:
        if self._server is not None:
            self._server.request_stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._sock is not None:
            self._sock.close()
        if self._tmp is not None:
            self._tmp.cleanup()
        self._server = None
        self._thread = None
        self._sock = None
        self._tmp = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.to_thread(self.stop)


class ShopServer(_LoopbackServer):
    """Serve `shop`. Several servers may serve one shop (say HTTP and HTTPS); the first to start becomes the shop's
    home URL unless the config names one."""

    def __init__(self, shop: SimulatedShop, **options: Unpack[ServeOptions]) -> None:
        super().__init__(**options)
        self.shop = shop

    @property
    def api_url(self) -> str:
        return self.base_url + "/wp-json/wc/v3"

    def _app(self) -> Any:
        self.shop.bind_home(self.base_url)
        return ShopApp(self.shop)


class FleetServer(_LoopbackServer):
    """Serve every shop of `fleet` on one port, shop N below `/shop/N` (`shop_url(N)`)."""

    def __init__(self, fleet: Fleet, **options: Unpack[ServeOptions]) -> None:
        super().__init__(**options)
        self.fleet = fleet

    def shop_url(self, number: int) -> str:
        return self.fleet.home_url(number)

    def api_url(self, number: int) -> str:
        return self.shop_url(number) + "/wp-json/wc/v3"

    def _app(self) -> Any:
        self.fleet.bind(self.base_url)
        return FleetApp(self.fleet)
