"""The family's live event stream over real HTTP: tickets, order and sync events, family isolation, and events
written by another process (PostgreSQL's NOTIFY)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from lumina.context import ServiceContext
from lumina.live.listener import PgEventListener
from lumina.models import Family, SyncTrigger, UserRole
from tests.factories import create_user
from tests.lumina.auth.support import SignedIn, login
from tests.lumina.jobs.processes import ROOT, environment
from tests.lumina.sync.support import Linked, add_shop, make_coordinator
from tests.lumina.webhooks.support import deliver, register, synced
from woosim import ShopServer, SimulatedShop

NOBODY = {"customer_ids": [987654321]}  # a family linked to the shop that sees none of its orders
PAGE = 20  # orders per page of a sync, so that the shop's 60 orders take a few pages


@pytest.fixture
async def listening(service: ServiceContext) -> AsyncIterator[None]:
    """What lifecycle.start does on PostgreSQL: this process hears every process's events."""
    if service.database.is_sqlite:
        yield
        return
    dsn = service.database.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    listener = PgEventListener(dsn)
    await listener.start()
    yield
    await listener.stop()


@pytest.fixture
async def two_families(service: ServiceContext, shop_server: ShopServer, woo_shop: SimulatedShop) -> Linked:
    return await add_shop(service, shop_server, woo_shop, families=2, scopes=[None, NOBODY])


def _base(service: ServiceContext) -> str:
    return service.settings.public_url


async def _signed_in(service: ServiceContext, family_id: int) -> SignedIn:
    async with service.database.transaction() as session:
        family = await session.get(Family, family_id)
        assert family is not None
        user = await create_user(session, family, role=UserRole.MEMBER)
    async with httpx.AsyncClient(base_url=_base(service)) as http:
        body = (await login(http, user.email)).json()
    return SignedIn(user, family, body["accessToken"], body["refreshToken"])


class Stream:
    def __init__(self, lines: AsyncIterator[str]) -> None:
        self._lines = lines

    async def next(self, within: float = 20.0, *, only: tuple[str, ...] = ()) -> tuple[str, dict[str, object]]:
        """The next event (comments and heartbeats skipped), of one of the kinds `only` names if given."""
        return await asyncio.wait_for(self._next(only), within)

    async def _next(self, only: tuple[str, ...]) -> tuple[str, dict[str, object]]:
        kind, data = "", ""
        async for line in self._lines:
            if line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:"):
                data += line[5:].strip()
            elif not line and kind:
                if not only or kind in only:
                    return kind, json.loads(data)
                kind, data = "", ""
        raise AssertionError("the stream ended")


@asynccontextmanager
async def stream(service: ServiceContext, who: SignedIn) -> AsyncIterator[Stream]:
    async with httpx.AsyncClient(base_url=_base(service), timeout=30) as http:
        ticket = await http.post("/api/v1/orders/events/ticket", headers=who.headers)
        assert ticket.status_code == 201, ticket.text
        async with http.stream("GET", ticket.json()["url"]) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            lines = response.aiter_lines()
            assert await anext(lines) == ": connected"
            yield Stream(lines)


async def test_tickets_are_single_use_and_required(service: ServiceContext, two_families: Linked) -> None:
    who = await _signed_in(service, two_families.family_ids[0])
    async with httpx.AsyncClient(base_url=_base(service)) as http:
        assert (await http.post("/api/v1/orders/events/ticket")).status_code == 401
        assert (await http.get("/api/v1/orders/events")).status_code == 401
        url = (await http.post("/api/v1/orders/events/ticket", headers=who.headers)).json()["url"]
        async with http.stream("GET", url) as first:
            assert first.status_code == 200
        again = await http.get(url)
    assert again.status_code == 401
    assert again.json()["error"] == "Unauthorized"


async def test_order_events_reach_only_the_family_that_sees_the_order(
    service: ServiceContext, listening: None, two_families: Linked, woo_shop: SimulatedShop
) -> None:
    await synced(service, two_families.shop_id)
    await register(service, two_families.shop_id)
    seeing, blind = [await _signed_in(service, family_id) for family_id in two_families.family_ids]
    order_id = next(i for i in woo_shop.order_ids() if woo_shop.get_order(i)["status"] == "processing")
    async with stream(service, seeing) as theirs, stream(service, blind) as others:
        woo_shop.update_order(order_id, status="completed")
        await deliver(service, woo_shop)
        kind, data = await theirs.next()
        assert (kind, data["id"], data["status"], data["visible"]) == ("order", order_id, "completed", True)
        assert str(data["modified"]).endswith("Z")

        woo_shop.clock.advance(5)
        await synced(service, two_families.shop_id)  # announced to both families once it finishes
        assert (await theirs.next(only=("order", "sync")))[0] == "sync"
        kind, data = await others.next(only=("order", "sync"))
        assert kind == "sync"  # its first such event: it never heard of the other family's order
        assert data["status"] == "succeeded"


async def test_a_run_that_finds_the_shop_unchanged_does_not_tell_of_its_start(
    service: ServiceContext, listening: None, linked: Linked, woo_shop: SimulatedShop
) -> None:
    """Every open dashboard shows "Syncing…" and reads the run again on a start: not every cycle for nothing."""
    await synced(service, linked.shop_id)
    who = await _signed_in(service, linked.family_ids[0])
    coordinator = make_coordinator(service)
    async with stream(service, who) as events:
        idle = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.SCHEDULE)
        kind, data = await events.next(only=("progress", "sync"))
        assert (idle.requests, kind, data["status"], data["created"]) == (1, "sync", "succeeded", 0)

        order_id = woo_shop.order_ids()[0]
        woo_shop.clock.advance(5)
        woo_shop.update_order(order_id, status="on-hold")
        changed = await coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.SCHEDULE)
        heard = [await events.next(only=("progress", "sync"))]
        while heard[-1][0] == "progress":
            heard.append(await events.next(only=("progress", "sync")))

    assert changed.updated == 1
    assert heard[0] == ("progress", {"run": changed.run_id, "started": heard[0][1]["started"], "pages": 0,
                                     "processed": 0, "total": None})  # fmt: skip
    assert heard[-1][0] == "sync"
    assert heard[-1][1]["updated"] == 1


async def test_a_running_sync_tells_the_family_its_pages_so_far(
    service: ServiceContext, listening: None, linked: Linked, woo_shop: SimulatedShop
) -> None:
    who = await _signed_in(service, linked.family_ids[0])
    async with stream(service, who) as events:
        coordinator = make_coordinator(service, page_size=PAGE)
        syncing = asyncio.create_task(coordinator.sync_shop(linked.shop_id, trigger=SyncTrigger.MANUAL))
        heard = [await events.next(only=("progress", "sync"))]
        while heard[-1][0] == "progress":
            heard.append(await events.next(only=("progress", "sync")))
        result = await syncing

    progress = [data for kind, data in heard if kind == "progress"]
    assert progress[0] == {
        "run": result.run_id, "started": progress[0]["started"], "pages": 0, "processed": 0, "total": None,
    }  # fmt: skip
    assert str(progress[0]["started"]).endswith("Z")
    assert len(progress) >= 2  # the start, then each transaction written (it gathers the pages that came)
    assert progress[-1]["pages"] == result.pages
    assert [data["pages"] for data in progress] == sorted(data["pages"] for data in progress)
    assert [data["processed"] for data in progress] == sorted(data["processed"] for data in progress)
    assert progress[-1]["processed"] == result.processed  # an order met twice where slices meet counts twice
    assert progress[-1]["total"] == result.created  # a first sync: the shop's orders are all new
    assert {data["run"] for data in progress} == {result.run_id}
    kind, ended = heard[-1]
    assert (kind, ended["status"], ended["created"]) == ("sync", "succeeded", result.created)


@pytest.mark.postgres
async def test_events_written_by_another_process_reach_the_stream(
    service: ServiceContext, listening: None, two_families: Linked, woo_shop: SimulatedShop
) -> None:
    if service.database.is_sqlite:
        pytest.skip("one process per SQLite database: events stay in process")
    await synced(service, two_families.shop_id)
    who = await _signed_in(service, two_families.family_ids[0])
    order_id = next(i for i in woo_shop.order_ids() if woo_shop.get_order(i)["status"] == "processing")
    async with stream(service, who) as events:
        woo_shop.clock.advance(5)
        woo_shop.update_order(order_id, status="on-hold")
        woo_shop.clock.advance(5)
        command = [str(Path(sys.executable).with_name("lumina")), "sync"]
        done = await asyncio.to_thread(
            subprocess.run, command, env=environment(service), capture_output=True, text=True, cwd=ROOT, timeout=120,
            check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        kind, data = await events.next(only=("order", "sync"))
        assert (kind, data["id"], data["status"]) == ("order", order_id, "on-hold")
        assert (await events.next(only=("order", "sync")))[0] == "sync"
