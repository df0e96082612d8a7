"""Serving the console: `index.html` at `/` (never cached) and its assets under `/console/<hash>/`, where the hash
is of every asset's content, so assets are cached for a year and a new release is fetched at once. Relative module
imports resolve under the same prefix, so no file needs rewriting. Every console answer carries a strict
Content-Security-Policy: no inline script or style, nothing from another origin, never framed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATIC = Path(__file__).with_name("static")
ASSETS_PREFIX = "/console"
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
}
IMMUTABLE = "public, max-age=31536000, immutable"


def assets_version(folder: Path = STATIC) -> str:
    """A short hash of every asset's path and content."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class _Headers:
    """Adds the console's headers (and `cache_control`) to every answer of the wrapped app."""

    def __init__(self, app: ASGIApp, cache_control: str) -> None:
        self.app = app
        self.headers = [
            (k.encode(), v.encode()) for k, v in {**SECURITY_HEADERS, "cache-control": cache_control}.items()
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.app(scope, receive, with_headers)


def install_console(app: FastAPI) -> None:
    version = assets_version()
    prefix = f"{ASSETS_PREFIX}/{version}"
    page = Path(__file__).with_name("index.html").read_text().replace("{{assets}}", prefix)
    headers = {**SECURITY_HEADERS, "cache-control": "no-cache"}

    @app.get("/", include_in_schema=False)
    async def console() -> HTMLResponse:
        return HTMLResponse(page, headers=headers)

    app.mount(prefix, _Headers(StaticFiles(directory=STATIC), IMMUTABLE), name="console")
