"""The FastAPI application: routers, error handlers and the service's life cycle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

from lumina import lifecycle
from lumina.api import health, metrics
from lumina.api.access import AccessMiddleware
from lumina.api.errors import install_error_handlers
from lumina.api.openapi import install_openapi
from lumina.config import Settings
from lumina.console.serving import install_console
from lumina.context import ServiceContext


def create_app(settings: Settings | None = None, *, context: ServiceContext | None = None) -> FastAPI:
    """Build the app; with a `context` given (tests), the caller owns its life cycle."""
    owned = context is None
    service = context or ServiceContext.from_settings(settings or Settings())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if owned:
            await lifecycle.start(service)
        try:
            yield
        finally:
            if owned:
                await lifecycle.stop(service)

    # /docs and /redoc load Swagger UI and ReDoc from the installed package, not from a CDN: they work offline.
    app = FastAPIOffline(
        title="Lumina order sync",
        version="0.1.0",
        description="Mirrors WooCommerce orders into Lumina and serves them to the family's devices.",
        lifespan=lifespan,
    )
    app.state.context = service
    install_error_handlers(app)
    if service.settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=service.settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["Authorization", "Content-Type"],
        )
    install_console(app)  # inside the access log, ahead of the API's routing
    app.add_middleware(AccessMiddleware)
    app.include_router(health.router)
    app.include_router(metrics.router)
    for router in lifecycle.api_routers():
        app.include_router(router)
    install_openapi(app)
    return app
