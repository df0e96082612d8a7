"""Backoff, jitter, Retry-After and the request-rate limiter, without any waiting."""

from __future__ import annotations

import asyncio

import pytest

from lumina.woocommerce import ClientLimits, RetryPolicy
from lumina.woocommerce._http import RateLimiter


def test_backoff_grows_exponentially_with_jitter_and_a_ceiling() -> None:
    policy = RetryPolicy(attempts=8, base_delay=0.5, max_delay=4.0)
    for retry, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (7, 4.0)]:
        delays = {policy.delay(retry) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jittered: many clients do not retry in lockstep


def test_retry_after_is_a_floor_up_to_its_cap() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=30.0, max_retry_after=60.0)
    assert policy.delay(1, retry_after=10.0) == 10.0
    assert policy.delay(1, retry_after=3600.0) == 60.0
    assert 0.25 <= policy.delay(1, retry_after=0.0) <= 0.5


@pytest.mark.parametrize(
    "make",
    [
        lambda: RetryPolicy(attempts=0),
        lambda: RetryPolicy(base_delay=-1),
        lambda: ClientLimits(max_concurrency=0),
        lambda: ClientLimits(requests_per_second=0),
        lambda: ClientLimits(timeout=0),
    ],
)
def test_nonsense_settings_are_refused(make: object) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each message names its own setting
        make()  # type: ignore[operator]


async def test_the_rate_limiter_spaces_request_starts() -> None:
    limiter = RateLimiter(1000.0)
    loop = asyncio.get_running_loop()
    start = loop.time()
    await asyncio.gather(*(limiter.wait() for _ in range(5)))
    # Five starts were reserved one interval apart: the last one at least four intervals after the first.
    assert limiter._next - start >= 5 * 0.001 - 1e-9


async def test_no_rate_limit_means_no_waiting() -> None:
    limiter = RateLimiter(None)
    await asyncio.gather(*(limiter.wait() for _ in range(100)))
    assert limiter._next == 0.0
