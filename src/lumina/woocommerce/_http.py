"""One request to the shop, done politely: bounded concurrency, a request rate, retries with backoff.

Transient faults (timeouts, dropped connections, 429/502/503/504, a 2xx that is not JSON) are retried with
exponential backoff and jitter, honouring `Retry-After` up to a cap; permanent faults are raised at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import orjson
from multidict import CIMultiDictProxy
from yarl import URL

from ._auth import Authenticator, encode_query
from ._faults import decode_json, error_from_response, error_from_transport, is_lasting_connect_failure, non_json_error
from ._network import AddressRefusedError
from ._parse import http_date
from ._redact import Scrubber, describe_request
from .config import ClientLimits, RetryPolicy
from .errors import WooAuthError, WooTransientError
from .models import RequestStats

__all__ = ["RateLimiter", "Requester", "Response"]

logger = logging.getLogger("lumina.woocommerce")

# Clocks closer than this are left alone; WooCommerce accepts OAuth timestamps within 15 minutes.
_SKEW_TOLERANCE = 120.0
# Bodies this large are decoded in a worker thread. A page of orders (300 KB) takes one to three milliseconds, and
# while the event loop runs it, the requests of the other slices wait to be sent and their answers to be read: in a
# backfill that was most of the time a request took beyond the shop's latency.
_DECODE_OFF_LOOP_BYTES = 64 * 1024
Read = Callable[[bytes], Any]


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: CIMultiDictProxy[str]  # case-insensitive, as HTTP header names are
    data: Any
    request: str  # "GET /path?query", credentials redacted

    @property
    def shop_time(self) -> datetime | None:
        return http_date(self.headers.get("date"))


class RateLimiter:
    """Spaces request starts at least 1/rate seconds apart (per client, so per shop)."""

    def __init__(self, rate: float | None) -> None:
        self._interval = 1.0 / rate if rate else 0.0
        self._next = 0.0

    async def wait(self) -> None:
        if not self._interval:
            return
        now = asyncio.get_running_loop().time()
        start = max(now, self._next)
        self._next = start + self._interval  # reserved before sleeping, so concurrent callers queue up
        if start > now:
            await asyncio.sleep(start - now)


class _Counters:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.retries = 0
        self.answered = 0
        self.rate_limited = 0
        self.failed = 0
        self.pages = 0
        self.bytes_received = 0
        self.retry_wait_seconds = 0.0

    def snapshot(self) -> RequestStats:
        return RequestStats(
            requests=self.requests,
            retries=self.retries,
            answered=self.answered,
            rate_limited=self.rate_limited,
            failed=self.failed,
            pages=self.pages,
            bytes_received=self.bytes_received,
            retry_wait_seconds=self.retry_wait_seconds,
        )


class Requester:
    """Sends authenticated requests and turns every outcome into JSON or a WooError.

    The aiohttp session is made by `connect` at the first request: aiohttp's needs a running event loop, and a
    client that never sends makes none. `refused` is the refusal of a shop whose host is a refused IP address
    (`_network.refused_literal`): every request fails with it, none is sent."""

    def __init__(
        self,
        connect: Callable[[], aiohttp.ClientSession],
        auth: Authenticator,
        limits: ClientLimits,
        retry: RetryPolicy,
        *,
        refused: AddressRefusedError | None = None,
    ) -> None:
        self._connect = connect
        self._session: aiohttp.ClientSession | None = None
        self._closed = False
        self._refused = refused
        self.auth = auth
        self.limits = limits
        self.retry = retry
        self.counters = _Counters()
        self._scrubber = Scrubber(auth.credentials)
        self._slots = asyncio.Semaphore(limits.max_concurrency)
        self._rate = RateLimiter(limits.requests_per_second)

    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            if self._closed:
                raise RuntimeError("the client is closed")
            self._session = self._connect()
        return self._session

    async def aclose(self) -> None:
        """Close the session and its connections; the client cannot send afterwards."""
        self._closed = True
        if self._session is not None:
            await self._session.close()

    async def send(
        self,
        method: str,
        path: str,
        params: Sequence[tuple[str, str]] = (),
        *,
        json_body: Any = None,
        attempts: int | None = None,
        authenticated: bool = True,
        read: Read = decode_json,
        off_loop_bytes: int = _DECODE_OFF_LOOP_BYTES,
    ) -> Response:
        """The JSON answer of a 2xx (as `read` makes it); retries transient faults up to `attempts` tries in all."""
        tries = self.retry.attempts if attempts is None else attempts
        skew_retry_used = False
        attempt = 1
        while True:
            try:
                return await self.send_once(
                    method, path, params, json_body=json_body, authenticated=authenticated, read=read,
                    off_loop_bytes=off_loop_bytes,
                )  # fmt: skip
            except WooAuthError as error:
                # A first request from a machine whose clock is off by minutes fails on the OAuth timestamp;
                # the answer's Date header taught us the offset, so one immediate retry is worth it.
                if skew_retry_used or "timestamp" not in error.message.lower() or not self.auth.clock_offset:
                    raise
                skew_retry_used = True
            except WooTransientError as error:
                await self.backoff(error, attempt, tries)
                attempt += 1

    async def backoff(self, error: WooTransientError, attempt: int, tries: int) -> None:
        """Wait before retry number `attempt`, or re-raise `error` when no try is left (or retrying cannot help)."""
        if attempt >= tries or is_lasting_connect_failure(error):
            if error.status != 429:
                self.counters.failed += 1
            if attempt > 1:
                error.message += f" (gave up after {attempt} attempts)"
            raise error
        delay = self.retry.delay(attempt, error.retry_after)
        logger.warning("%s: %s; retry %d of %d in %.2f s", error.request, error.message, attempt, tries - 1, delay)
        self.counters.retries += 1
        self.counters.retry_wait_seconds += delay
        await asyncio.sleep(delay)

    async def send_once(
        self,
        method: str,
        path: str,
        params: Sequence[tuple[str, str]] = (),
        *,
        json_body: Any = None,
        authenticated: bool = True,
        read: Read = decode_json,
        off_loop_bytes: int = _DECODE_OFF_LOOP_BYTES,
    ) -> Response:
        """One try, no retry: a Response for a 2xx JSON answer, otherwise the classified WooError. `read` makes
        the body's data, in a worker thread from `off_loop_bytes` on; it raises ValueError for a body that is not
        JSON."""
        if authenticated:
            url, headers = self.auth.prepare(method, path, params)
        else:
            url = self.auth.base_url + path + (f"?{encode_query(params)}" if params else "")
            headers = {}
        body = None
        if json_body is not None:
            body = orjson.dumps(json_body)
            headers["Content-Type"] = "application/json"
        request = describe_request(method, url)
        async with self._slots:
            await self._rate.wait()
            started = time.monotonic()
            self.counters.requests += 1
            if self._refused is not None:
                raise error_from_transport(self._refused, request, self.limits.timeout)
            try:
                # encoded=True: the query goes out byte for byte as signed; yarl would otherwise re-quote it.
                async with self.session().request(
                    method, URL(url, encoded=True), headers=headers, data=body, allow_redirects=False
                ) as answer:
                    status, answer_headers = answer.status, answer.headers
                    content = await answer.read()
            except (aiohttp.ClientError, TimeoutError) as exc:  # no usable answer: connection, timeout, encoding
                error = error_from_transport(exc, request, self.limits.timeout)
                logger.debug("%s: no answer (%s)", request, type(exc).__name__)
                raise error from None
        elapsed = time.monotonic() - started
        self.counters.bytes_received += len(content)
        logger.debug("%s -> %d (%d bytes, %.2f s)", request, status, len(content), elapsed)
        self._learn_clock(answer_headers)
        if not 200 <= status < 300:
            scrub = self._scrubber.for_request(url, headers)
            fault = error_from_response(status, answer_headers, content, request, self.auth.mode, scrub=scrub)
            if status == 429:
                self.counters.rate_limited += 1
            elif not isinstance(fault, WooTransientError):  # transient ones are counted when retried or given up
                self.counters.failed += 1
            raise fault
        try:
            if len(content) >= off_loop_bytes:
                data = await asyncio.to_thread(read, content)
            else:
                data = read(content)
        except (ValueError, UnicodeDecodeError):
            raise non_json_error(status, content, request) from None
        self.counters.answered += 1
        return Response(status=status, headers=answer_headers, data=data, request=request)

    def _learn_clock(self, headers: CIMultiDictProxy[str]) -> None:
        shop_time = http_date(headers.get("date"))
        if shop_time is None:
            return
        skew = (shop_time - datetime.now(UTC)).total_seconds()
        offset = round(skew) if abs(skew) > _SKEW_TOLERANCE else 0.0
        if offset != self.auth.clock_offset:
            logger.info("the shop's clock differs from ours by %+.0f s; OAuth timestamps follow the shop", skew)
            self.auth.clock_offset = offset
