"""`lumina serve`: the API with its background sync, until SIGTERM or SIGINT."""

from __future__ import annotations

import typer

from lumina.cli._common import load


def serve(
    host: str | None = typer.Option(None, help="Address to listen on (default: HOST, 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port to listen on (default: PORT, 3001)."),
    demo: bool = typer.Option(False, "--demo", help="Run the demo with a simulated shop, whatever is configured."),
) -> None:
    """Start the API server and the background sync; stops gracefully on SIGTERM/SIGINT.

    With no shop and no database configured, it runs the demo: a simulated shop with demo orders, its own SQLite
    file, and the test user test@example.com / test123.
    """
    import uvicorn

    from lumina.app import create_app
    from lumina.config import ConfigError
    from lumina.demo import DemoShop, banner, wants_demo

    settings = load()
    settings = settings.model_copy(update={"host": host or settings.host, "port": port or settings.port})
    demo_shop = DemoShop() if demo or wants_demo(settings) else None
    try:
        if demo_shop:
            demo_shop.start()
            settings = demo_shop.settings_for(settings)
        try:
            app = create_app(settings)
        except ConfigError as exc:
            typer.secho(f"Configuration error: {exc}", fg="red", err=True)
            raise typer.Exit(2) from exc
        if demo_shop:
            # Stopped with the app: uvicorn re-raises SIGTERM after shutting down, so no `finally` runs after it.
            app.state.context.components["demo_shop"] = demo_shop
            typer.echo(banner(settings, demo_shop))
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,  # our structured logging is already configured
            timeout_graceful_shutdown=10,
            server_header=False,
        )
    finally:
        if demo_shop:  # start-up failed, or SIGINT: make sure the child is gone
            demo_shop.stop()
