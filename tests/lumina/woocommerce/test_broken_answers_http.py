"""Answers the simulated shop never gives, from a raw server on loopback that sends canned bytes.

A shop's host, proxy or firewall can cut a body short, reset the connection, garble the framing or the status line,
or hang up before answering: each one a transient fault, retried. It can also redirect, send long header lines or
cookies, which are plain HTTP but not WooCommerce's.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

from lumina.woocommerce import RetryPolicy, WooClient, WooCredentials, WooPermanentError, WooTransientError

from .conftest import NO_RATE_LIMIT

TWO_TRIES = RetryPolicy(attempts=2, base_delay=0.001, max_delay=0.005)
_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
_RESET = object()  # close with a TCP reset rather than a FIN

ANSWERS: dict[str, list[bytes | object]] = {
    "truncated body": [_HEAD + b"Content-Length: 1000\r\n\r\n[{}"],
    "reset mid-body": [_HEAD + b"Content-Length: 1000\r\n\r\n[{}", _RESET],
    "bad chunked encoding": [_HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n[]\r\n0\r\n\r\n"],
    "bad content-encoding": [_HEAD + b"Content-Encoding: gzip\r\nContent-Length: 9\r\n\r\nnot gzip!"],
    "malformed status line": [b"HTTP/1.1 OK\r\nContent-Length: 2\r\n\r\n[]"],
    "malformed header": [_HEAD + b"Content-Length: 2\r\nno colon in this line\r\n\r\n[]"],
    "no answer at all": [],
}


@asynccontextmanager
async def raw_server(answer: list[bytes | object]) -> AsyncIterator[tuple[str, list[str]]]:
    """An HTTP "server" on loopback that reads each request's head and answers `answer`, then hangs up; its URL
    and the head of each request it read."""
    seen: list[str] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append((await reader.readuntil(b"\r\n\r\n")).decode("latin-1"))
        for part in answer:
            if part is _RESET:
                writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                assert isinstance(part, bytes)
                writer.write(part)
                await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        server.close()
        await server.wait_closed()


def requests_of(heads: list[str]) -> list[str]:
    """The method and path (no query) of each request head."""
    return [" ".join(head.split(" ", 2)[:2]).split("?")[0] for head in heads]


def _client(url: str) -> WooClient:
    return WooClient(url, WooCredentials("ck_x", "cs_y"), retry=TWO_TRIES, limits=NO_RATE_LIMIT)


@pytest.mark.parametrize("name", list(ANSWERS))
async def test_a_broken_answer_is_a_transient_fault_retried(name: str) -> None:
    async with raw_server(ANSWERS[name]) as (url, seen), _client(url) as woo:
        with pytest.raises(WooTransientError) as caught:
            await woo.list_orders()
        assert woo.stats.requests == woo.stats.retries + 1 == TWO_TRIES.attempts
    assert caught.value.message.startswith("The connection to the shop failed mid-request ("), caught.value.message
    assert f"gave up after {TWO_TRIES.attempts} attempts" in caught.value.message
    assert caught.value.hint is not None
    assert len(seen) == TWO_TRIES.attempts


async def test_a_long_header_line_is_read() -> None:
    """Hosts send long Content-Security-Policy or Set-Cookie lines; a head of up to 16 KiB is read (httpx's limit,
    above aiohttp's default of 8 KiB a line)."""
    policy = b"Content-Security-Policy: default-src " + b"x" * 12_000 + b"\r\n"
    async with raw_server([_HEAD + policy + b"Content-Length: 2\r\n\r\n[]"]) as (url, _), _client(url) as woo:
        page = await woo.list_orders()
    assert page.orders == []


async def test_a_redirect_is_not_followed_and_no_cookie_is_kept() -> None:
    moved = b"HTTP/1.1 301 Moved Permanently\r\nLocation: https://www.shop.example/wp-json/wc/v3/orders\r\n"
    answer = moved + b"Set-Cookie: tracker=1; Path=/\r\nContent-Length: 0\r\n\r\n"
    async with raw_server([answer]) as (url, seen), _client(url) as woo:
        for _ in range(2):
            with pytest.raises(WooPermanentError) as caught:
                await woo.list_orders()
    assert caught.value.code == "redirect"
    assert "https://www.shop.example" in caught.value.message
    assert requests_of(seen) == ["GET /wp-json/wc/v3/orders"] * 2  # not followed, and not retried
    assert not any("\ncookie:" in head.lower() for head in seen)


@pytest.mark.parametrize(
    ("send", "sent"),
    [
        (lambda woo: woo.update_order_status(7, "completed"), "PUT /wp-json/wc/v3/orders/7"),
        (lambda woo: woo.delete_webhook(3), "DELETE /wp-json/wc/v3/webhooks/3"),
    ],
    ids=["PUT", "DELETE"],
)
async def test_a_write_whose_connection_dropped_is_not_resent_behind_the_clients_back(
    send: Callable[[WooClient], Awaitable[object]], sent: str
) -> None:
    """HTTP libraries may resend an idempotent request whose connection dropped; a status change sent twice emails
    the customer twice, so only the client's own retry logic (re-read first) may send a write again."""
    async with raw_server(ANSWERS["no answer at all"]) as (url, seen):
        once = RetryPolicy(attempts=1)
        async with WooClient(url, WooCredentials("ck_x", "cs_y"), retry=once, limits=NO_RATE_LIMIT) as woo:
            with pytest.raises(WooTransientError):
                await send(woo)
    assert requests_of(seen) == [sent]
