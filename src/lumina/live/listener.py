"""A process's ear on PostgreSQL's live-event channel: what any process announced reaches this process's streams."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import asyncpg

from lumina.kit.changes import family_data_changed
from lumina.live.announce import CHANNEL, decode
from lumina.live.bus import BUS, EventBus
from lumina.logging import get_logger

logger = get_logger("lumina.live")

RECONNECT_DELAY = 1.0


class PgEventListener:
    """One dedicated connection LISTENing on the channel; reconnects when the server goes away."""

    def __init__(self, dsn: str, bus: EventBus = BUS) -> None:
        self._dsn = dsn
        self._bus = bus
        self._task: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self._lost = asyncio.Event()

    async def start(self) -> None:
        """Returns once listening (or after the first failed attempt, retrying in the background)."""
        self._task = asyncio.create_task(self._run(), name="lumina.live.listener")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), timeout=10)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _deliver(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            events = decode(payload)
        except ValueError:
            logger.warning("malformed live event payload ignored")
            return
        # Another process changed these families' orders: this process's read cache drops them now rather than
        # after ORDERS_CACHE_SECONDS.
        family_data_changed(event.family_id for event in events)
        self._bus.publish(events)

    async def _run(self) -> None:
        while True:
            connection: asyncpg.Connection | None = None
            try:
                connection = await asyncpg.connect(self._dsn, timeout=10)
                self._lost.clear()
                connection.add_termination_listener(lambda _connection: self._lost.set())
                await connection.add_listener(CHANNEL, self._deliver)
                self._listening.set()
                await self._lost.wait()
                logger.warning("live event listener lost its connection: reconnecting")
            except (OSError, asyncpg.PostgresError) as exc:
                logger.warning("live event listener cannot connect", error=type(exc).__name__)
                self._listening.set()
            finally:
                if connection is not None and not connection.is_closed():
                    await connection.close()
            await asyncio.sleep(RECONNECT_DELAY)
