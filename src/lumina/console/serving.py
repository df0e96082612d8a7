"""Serving the console: `index.html` at `/` (revalidated on every visit) and its assets under `/console/<hash>/`,
where the hash is of every asset's content, so assets are cached for a year and a new release is fetched at once.
Relative module imports resolve under the same prefix, so no file needs rewriting; the page lists every module
as a `modulepreload`, so the browser fetches them all at once instead of one level of imports after another.
Every console answer carries a strict Content-Security-Policy: no inline script or style, nothing from another
origin, never framed.

The files are read once, at start-up, and answered from memory by a middleware ahead of the API's routing: the
first visitor after a start does not wait for the router to build its routes (FastAPI does that on the first
request, 120 to 180 ms for this API) nor for a file read on a worker thread.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

STATIC = Path(__file__).with_name("static")
PAGE = Path(__file__).with_name("index.html")
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
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}


def assets_version(folder: Path = STATIC) -> str:
    """A short hash of every asset's path and content."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class _Answer:
    body: bytes
    headers: list[tuple[bytes, bytes]]
    etag: bytes | None = None


@dataclass(frozen=True, slots=True)
class ConsoleRoute:
    """What the access log names a console answer by (it reads a matched route's `path`)."""

    path: str


PAGE_ROUTE = ConsoleRoute("/")
ASSET_ROUTE = ConsoleRoute(f"{ASSETS_PREFIX}/{{version}}/{{asset}}")


def _answer(body: bytes, content_type: str, cache_control: str, etag: str | None = None) -> _Answer:
    headers = {**SECURITY_HEADERS, "content-type": content_type, "content-length": str(len(body)),
               "cache-control": cache_control}  # fmt: skip
    if etag:
        headers["etag"] = etag
    return _Answer(body, [(k.encode(), v.encode()) for k, v in headers.items()], etag.encode() if etag else None)


def _page(prefix: str, version: str) -> _Answer:
    modules = sorted(p.relative_to(STATIC).as_posix() for p in STATIC.rglob("*.js"))
    preloads = "\n".join(f'<link rel="modulepreload" href="{prefix}/{module}">' for module in modules)
    html = PAGE.read_text().replace("{{modulepreload}}", preloads).replace("{{assets}}", prefix)
    return _answer(html.encode(), "text/html; charset=utf-8", "no-cache", etag=f'"{version}"')


def _assets(prefix: str) -> dict[str, _Answer]:
    answers = {}
    for path in sorted(p for p in STATIC.rglob("*") if p.is_file()):
        kind = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        answers[f"{prefix}/{path.relative_to(STATIC).as_posix()}"] = _answer(path.read_bytes(), kind, IMMUTABLE)
    return answers


class ConsoleMiddleware:
    """Answers GET and HEAD of the page and of this release's assets from memory; everything else goes on to the
    app (another release's asset URL is the API's 404)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        version = assets_version()
        prefix = f"{ASSETS_PREFIX}/{version}"
        self.page = _page(prefix, version)
        self.assets = _assets(prefix)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        answer = self.page if path == "/" else self.assets.get(path)
        if answer is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = PAGE_ROUTE if answer is self.page else ASSET_ROUTE
        unchanged = answer.etag is not None and any(
            name == b"if-none-match" and answer.etag in value for name, value in scope["headers"]
        )
        headers = [h for h in answer.headers if not (unchanged and h[0] == b"content-length")]
        await send({"type": "http.response.start", "status": 304 if unchanged else 200, "headers": headers})
        body = b"" if unchanged or scope["method"] == "HEAD" else answer.body
        await send({"type": "http.response.body", "body": body})


def install_console(app: FastAPI) -> None:
    """Add the console's middleware: call it before the access log's, so that its answers are logged too."""
    app.add_middleware(ConsoleMiddleware)
