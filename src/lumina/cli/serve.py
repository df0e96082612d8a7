"""`lumina serve`: the API with its background sync, until SIGTERM or SIGINT."""

from __future__ import annotations

import typer
import uvicorn

from lumina.app import create_app
from lumina.cli._common import load
from lumina.config import ConfigError


def serve(
    host: str | None = typer.Option(None, help="Address to listen on (default: HOST, 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port to listen on (default: PORT, 3001)."),
) -> None:
    """Start the API server and the background sync; stops gracefully on SIGTERM/SIGINT."""
    settings = load()
    try:
        app = create_app(settings)
    except ConfigError as exc:
        typer.secho(f"Configuration error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    uvicorn.run(
        app,
        host=host or settings.host,
        port=port or settings.port,
        log_config=None,  # our structured logging is already configured
        timeout_graceful_shutdown=10,
        server_header=False,
    )
