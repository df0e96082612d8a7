"""Real HTTP servers on loopback that are not WooCommerce shops, for the connection check's refusals."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

__all__ = ["closed_port_url", "not_a_shop_url", "old_woocommerce_url", "serve"]


async def _blog(request: Request) -> Response:
    # An ordinary web site: pages at /, nothing at /wp-json/.
    if request.url.path == "/":
        return HTMLResponse("<html><body>Just a blog</body></html>")
    return HTMLResponse("<html><body>Not found</body></html>", status_code=404)


async def _old_wordpress(request: Request) -> Response:
    # WordPress with WooCommerce 3.4: its REST index lists wc/v1 and wc/v2 but not wc/v3.
    if request.url.path == "/wp-json/":
        return JSONResponse({"name": "Old shop", "namespaces": ["oembed/1.0", "wc/v1", "wc/v2", "wp/v2"]})
    return JSONResponse({"code": "rest_no_route", "message": "No route was found"}, status_code=404)


def serve(app: ASGIApp, *, tls: tuple[Path, Path] | None = None, lifespan: str = "off") -> Iterator[str]:
    """Serve `app` with uvicorn in a thread on 127.0.0.1 until the generator is closed; over HTTPS with `tls`
    (certificate chain file, key file)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    certfile, keyfile = tls if tls else (None, None)
    config = uvicorn.Config(
        app, log_level="warning", lifespan=lifespan, ws="none", ssl_certfile=certfile, ssl_keyfile=keyfile
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60  # only bounds a failure: start-up may start the sync process
    while not server.started:
        assert time.monotonic() < deadline, "the test web server did not start"
        time.sleep(0.01)
    yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="session")
def not_a_shop_url() -> Iterator[str]:
    """A plain web site: pages, and nothing at /wp-json/."""
    yield from serve(Starlette(routes=[Route("/{path:path}", _blog, methods=["GET", "POST", "PUT", "OPTIONS"])]))


@pytest.fixture(scope="session")
def old_woocommerce_url() -> Iterator[str]:
    """A WordPress whose WooCommerce predates REST API v3 (the simulated shop only plays current versions)."""
    yield from serve(Starlette(routes=[Route("/{path:path}", _old_wordpress, methods=["GET", "OPTIONS"])]))


@pytest.fixture
def closed_port_url() -> str:
    """An address where nothing listens: the connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
