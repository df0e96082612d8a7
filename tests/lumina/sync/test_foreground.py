"""An embedded sync steps aside for requests being answered in its process, and goes on once they are: on its own
thread (the service's) or on the requests' loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from lumina.api.access import AccessMiddleware
from lumina.context import ServiceContext
from lumina.jobs.sync_thread import ThreadedSync
from lumina.kit.foreground import FOREGROUND
from lumina.models import SyncTrigger
from lumina.sync import SyncResult
from tests.lumina.sync.support import add_shop, cached_rows, make_coordinator, mirror_problems, wait_until
from tests.lumina.sync.test_incremental import window_start
from woosim import ShopServer, SimulatedShop


@pytest.fixture
def patient_foreground(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Background work waits for requests as long as they take (normally a few tens of milliseconds at most), so
    that the test does not depend on how fast the machine is."""
    monkeypatch.setattr(FOREGROUND, "patience", 60.0)
    yield
    assert not FOREGROUND.busy


Backfill = Callable[[int], Awaitable[SyncResult]]


@pytest.fixture(params=["thread", "loop"])
async def backfill(request: pytest.FixtureRequest, context: ServiceContext) -> AsyncIterator[Backfill]:
    """A backfill on the sync engine's own thread and loop, as the service runs it, or on the requests' loop."""
    if request.param == "loop":
        coordinator = make_coordinator(context)
        yield lambda shop_id: coordinator.sync_shop(shop_id, trigger=SyncTrigger.CLI)
        return
    engine = await ThreadedSync.start(context, lambda own: (make_coordinator(own), None))
    yield lambda shop_id: engine.thread.run(engine.coordinator.sync_shop(shop_id, trigger=SyncTrigger.CLI))
    await engine.close()


async def test_a_backfill_asks_the_shop_for_nothing_while_a_request_is_answered_and_goes_on_after(
    context: ServiceContext,
    woo_shop: SimulatedShop,
    shop_server: ShopServer,
    backfill: Backfill,
    patient_foreground: None,
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)
    answered = asyncio.Event()

    async def request() -> None:  # its own task, as the server gives every request
        answering = FOREGROUND.answering()
        try:
            await answered.wait()
        finally:
            answering.done()

    being_answered = asyncio.create_task(request())
    try:
        await wait_until(lambda: FOREGROUND.busy)
        sync = asyncio.ensure_future(backfill(linked.shop_id))
        await wait_until(lambda: FOREGROUND.waiting > 0)  # on its own thread: the thread parked
        assert woo_shop.request_counts["list_orders"] == 0
        assert await cached_rows(context.database, linked.shop_id) == []
        assert not sync.done()
    finally:
        answered.set()
        await being_answered
    result = await sync

    assert result.status == "succeeded", result.error
    problems = await mirror_problems(
        context.database, linked.shop_id, woo_shop, families=[(linked.family_ids[0], None)], since=window_start()
    )
    assert problems == []


async def test_a_request_that_runs_a_sync_itself_is_not_held_up_by_itself(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer, patient_foreground: None
) -> None:
    linked = await add_shop(context, shop_server, woo_shop)

    async def sync_now() -> str:
        answering = FOREGROUND.answering()  # as the access middleware does for POST /orders/sync
        try:
            FOREGROUND.step_aside()
            result = await make_coordinator(context).sync_shop(linked.shop_id, trigger=SyncTrigger.MANUAL)
            return result.status
        finally:
            answering.done()

    assert await asyncio.create_task(sync_now()) == "succeeded"


async def test_a_request_is_in_the_foreground_until_its_answer_starts() -> None:
    seen: list[bool] = []

    async def endless_stream(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(FOREGROUND.busy)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        seen.append(FOREGROUND.busy)  # a live stream's body goes on as long as the client listens
        await send({"type": "http.response.body", "body": b"event", "more_body": False})

    transport = httpx.ASGITransport(app=AccessMiddleware(endless_stream))
    async with httpx.AsyncClient(transport=transport, base_url="http://lumina.test") as client:
        answer = await client.get("/api/v1/events")

    assert answer.status_code == 200
    assert seen == [True, False]
    assert not FOREGROUND.busy
