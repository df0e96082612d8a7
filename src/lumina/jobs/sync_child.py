"""The sync process of `lumina serve` (SYNC_ISOLATION=process): a SyncCoordinator that runs the service's syncs.

`lumina.jobs.sync_process` starts it as `python -m lumina.jobs.sync_child FD`, FD its end of a socket pair
(`lumina.jobs.channel`). The first message brings the settings (secrets included: never on the command line or
in a file) and the niceness to take; then each call ("sync_family", "sync_all", "stop", "figures") is answered
with a reply of the same number, and the shops running, the families a commit changed and, on SQLite, the live
events are told as they happen. On PostgreSQL the live events go by NOTIFY, which reaches the service by itself.

It ignores SIGINT and SIGTERM: a terminal's Ctrl-C and a service manager's signal reach the whole process group,
and the service stops it in its own time (the page in hand finished or rolled back). When its channel ends (the
service closed it, or died) it stops its runs the same way and exits: it never outlives the service.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import socket
import sys
from collections.abc import Sequence
from typing import Any

from lumina.config import Settings
from lumina.context import ServiceContext
from lumina.errors import AppError
from lumina.jobs.channel import Channel, Message
from lumina.kit.changes import on_family_data_changed
from lumina.live.bus import BUS, LiveEvent
from lumina.logging import configure_logging, get_logger
from lumina.models import SyncTrigger
from lumina.sync import SyncCoordinator
from lumina.sync import metrics as sync_metrics
from lumina.sync.engine import error_text
from lumina.sync.service import DEFAULT_STOP_GRACE

logger = get_logger("lumina.sync")


class _Child:
    """The coordinator, and what it tells the service."""

    def __init__(self, channel: Channel, context: ServiceContext) -> None:
        self.channel = channel
        self.coordinator = SyncCoordinator(context, on_running=self._running)
        self._calls: set[asyncio.Task[None]] = set()
        on_family_data_changed(self._families)
        BUS.tap(self._events)

    async def run(self) -> None:
        self.channel.send({"event": "ready"})
        while (message := await self.channel.receive()) is not None:
            call = asyncio.create_task(self._answer(message))
            self._calls.add(call)
            call.add_done_callback(self._calls.discard)
        await self.coordinator.stop(DEFAULT_STOP_GRACE)  # the service is gone, or done with us
        if self._calls:
            await asyncio.wait(self._calls)

    async def _answer(self, message: Message) -> None:
        call: int | None = message.get("call")
        try:
            value = await self._do(message["op"], message.get("args", {}))
        except AppError as exc:  # the API's answers: 409 a shop already syncing, 503 no shop
            reply: Message = {"error": type(exc).__name__, "message": exc.message}
        except Exception as exc:
            logger.exception("sync call failed", op=message["op"])
            reply = {"error": "", "message": error_text(exc)}
        else:
            reply = {"value": value}
        if call is not None:
            self.channel.send({"reply": call, **reply})

    async def _do(self, op: str, args: dict[str, Any]) -> object:
        coordinator = self.coordinator
        if op == "sync_family":
            trigger = SyncTrigger(args["trigger"])
            result = await coordinator.sync_family(args["family_id"], trigger=trigger, days_back=args["days_back"])
            return dataclasses.asdict(result)
        if op == "sync_all":
            results = await coordinator.sync_all(trigger=SyncTrigger(args["trigger"]), shop_ids=args["shop_ids"])
            return [dataclasses.asdict(result) for result in results]
        if op == "stop":
            await coordinator.stop(args["grace"])
        elif op == "resume":
            coordinator.resume()
        elif op == "figures":
            return sync_metrics.run_figures().decode()
        else:
            raise ValueError(f"unknown call {op!r}")
        return None

    def _running(self, shop_ids: frozenset[int]) -> None:
        self.channel.send({"event": "running", "shops": sorted(shop_ids)})

    def _families(self, family_ids: frozenset[int] | None) -> None:
        self.channel.send({"event": "families", "ids": None if family_ids is None else sorted(family_ids)})

    def _events(self, events: Sequence[LiveEvent]) -> None:
        self.channel.send({"event": "live", "events": [[e.family_id, e.kind, e.data] for e in events]})


async def _serve(sock: socket.socket) -> None:
    channel = await Channel.over(sock)
    hello = await channel.receive()
    if hello is None:
        return
    os.nice(hello["niceness"])
    settings = Settings(_env_file=None, **hello["settings"])
    configure_logging(settings.log_level, settings.log_format)
    sync_metrics.configure(per_shop=settings.metrics_per_shop)
    context = ServiceContext.from_settings(settings)
    try:
        await _Child(channel, context).run()
    finally:
        await context.close()
        await channel.close()


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    asyncio.run(_serve(socket.socket(fileno=int(sys.argv[1]))))


if __name__ == "__main__":
    main()
