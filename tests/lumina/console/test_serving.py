"""How the console is served: a strict Content-Security-Policy and framing, caching and referrer headers on every
console answer; assets under a content hash, cached for a year; the page itself always revalidated."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from lumina.console.serving import STATIC, assets_version


async def test_the_page_is_never_cached_and_names_hashed_assets(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp
    assert "style-src 'self';" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    assets = re.findall(r'(?:src|href)="(/console/[^"]+)"', response.text)
    assert f"/console/{assets_version()}/js/app.js" in assets
    assert "<script>" not in response.text  # nothing inline
    assert "style=" not in response.text


async def test_assets_are_cached_for_a_year_under_their_hash(client: httpx.AsyncClient) -> None:
    for asset in ("js/app.js", "console.css"):
        response = await client.get(f"/console/{assets_version()}/{asset}")
        assert response.status_code == 200, asset
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["x-frame-options"] == "DENY"
        assert "content-security-policy" in response.headers
    assert (await client.get("/console/0000000000000000/js/app.js")).status_code == 404
    assert (
        (await client.get(f"/console/{assets_version()}/js/api.js"))
        .headers["content-type"]
        .startswith("text/javascript")
    )


def test_the_hash_changes_with_any_asset(tmp_path: Path) -> None:
    folder = tmp_path
    (folder / "a.js").write_text("export const a = 1;")
    before = assets_version(folder)
    (folder / "a.js").write_text("export const a = 2;")
    assert assets_version(folder) != before


async def test_the_page_preloads_every_module_so_none_waits_for_another(client: httpx.AsyncClient) -> None:
    page = (await client.get("/")).text
    preloaded = set(re.findall(r'<link rel="modulepreload" href="/console/[0-9a-f]{16}/([^"]+)">', page))
    assert preloaded == {path.relative_to(STATIC).as_posix() for path in STATIC.rglob("*.js")}
    for module in preloaded:
        assert (await client.get(f"/console/{assets_version()}/{module}")).status_code == 200, module


async def test_a_revisit_of_the_same_release_is_answered_not_modified(client: httpx.AsyncClient) -> None:
    first = await client.get("/")
    again = await client.get("/", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["content-security-policy"] == first.headers["content-security-policy"]
    other = await client.get("/", headers={"If-None-Match": '"0000000000000000"'})
    assert other.status_code == 200
    assert other.text == first.text


async def test_head_answers_the_headers_alone_and_other_methods_are_the_apis(client: httpx.AsyncClient) -> None:
    head = await client.head(f"/console/{assets_version()}/console.css")
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) == len(
        (await client.get(f"/console/{assets_version()}/console.css")).content
    )
    posted = await client.post("/")
    assert posted.status_code in (404, 405)
    assert posted.json()["error"]
