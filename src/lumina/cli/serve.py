"""`lumina serve`: the API with its background sync, until SIGTERM or SIGINT.

The listening socket is bound before anything else starts, so that a port already taken is one line naming PORT,
and the demo's banner only ever announces a port the service really has.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import sys
from contextlib import suppress
from typing import TYPE_CHECKING, Any

import typer

from lumina.cli._common import announce_created, load, refuse

if TYPE_CHECKING:
    from lumina.config import Settings

# uvicorn's own exit status for a server that did not start (a lifespan failure, already logged).
STARTUP_FAILURE = 3


def listening_socket(host: str, port: int) -> socket.socket:
    """The bound socket the server will accept on; a port in use or a foreign address is a ConfigError."""
    from lumina.config import ConfigError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(
                f"PORT {port} on {host} is already in use: stop what listens there, or choose another port "
                "(PORT=... or --port ...)."
            ) from None
        if exc.errno == errno.EACCES:
            raise ConfigError(f"PORT {port} needs administrator rights: choose a port above 1023.") from None
        raise ConfigError(f"HOST {host} cannot be listened on ({exc.strerror}): use 127.0.0.1 or 0.0.0.0.") from None
    sock.set_inheritable(True)
    return sock


def serve(
    host: str | None = typer.Option(None, help="Address to listen on (default: HOST, 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port to listen on (default: PORT, 3001; 0 for any free port)."),
    demo: bool = typer.Option(False, "--demo", help="Run the demo with a simulated shop, whatever is configured."),
) -> None:
    """Start the API server and the background sync; stops gracefully on SIGTERM/SIGINT.

    With no shop and no database configured, it runs the demo: a simulated shop with demo orders, its own SQLite
    file, and the test user test@example.com / test123.
    """
    import uvicorn

    from lumina.app import create_app
    from lumina.config import ConfigError
    from lumina.db.preflight import create_sqlite, probe, sqlite_to_create
    from lumina.demo import DemoShop, banner, wants_demo
    from lumina.logging import get_logger

    settings = load()
    chosen = {"host": host or settings.host, "port": settings.port if port is None else port}  # --port 0: any free
    settings = settings.model_copy(update=chosen)
    demo_shop = DemoShop() if demo or wants_demo(settings) else None
    try:
        sock = listening_socket(settings.host, settings.port)
        settings = settings.model_copy(update={"port": sock.getsockname()[1]})  # the one it got
        if demo_shop:
            settings = demo_shop.settings_for(settings)
        missing = sqlite_to_create(settings, create=True)
        app = create_app(settings)  # checks every setting before anything is created
        if missing:
            announce_created(create_sqlite(missing), settings)
        asyncio.run(probe(settings.async_database_url))
        if demo_shop:
            demo_shop.start()
    except ConfigError as exc:
        raise refuse(exc) from None
    try:
        if demo_shop:
            # Stopped with the app: uvicorn re-raises SIGTERM after shutting down, so no `finally` runs after it.
            app.state.context.components["demo_shop"] = demo_shop
            typer.echo(banner(settings, demo_shop))
        server = uvicorn.Server(uvicorn.Config(app, **server_options(settings)))
        get_logger("lumina.serve").info("listening", url=f"http://{settings.host}:{settings.port}")
        with suppress(KeyboardInterrupt):  # uvicorn re-raises SIGINT once shut down, as uvicorn.run also swallows
            server.run(sockets=[sock])
        if not server.started:
            sys.exit(STARTUP_FAILURE)
    finally:
        sock.close()
        if demo_shop:  # start-up failed, or SIGINT: make sure the child is gone
            demo_shop.stop()


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options (it listens on the socket `serve` bound). X-Forwarded-For is believed only from
    FORWARDED_ALLOW_IPS: uvicorn's own default trusts any loopback client, which let a local caller pose as any
    address to the per-address login throttle."""
    return {
        "log_config": None,  # our structured logging is already configured
        "access_log": False,  # lumina.api.access writes one line per request instead
        "timeout_graceful_shutdown": 10,
        "server_header": False,
        "proxy_headers": bool(settings.forwarded_allow_ips),
        "forwarded_allow_ips": settings.forwarded_allow_ips,
    }
