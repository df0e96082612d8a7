"""The service's sync engine in a child process (SYNC_ISOLATION=process, the default of the embedded mode).

A backfill on a thread of the API process still takes the interpreter from the requests (the GIL): their p99
tripled (bench/api_during_sync.py). In a process of its own, at a lower CPU priority, it takes neither the
interpreter nor a core the requests want. `lumina serve` stays one command: `ProcessSync` starts the child
(`lumina.jobs.sync_child`), asks it over a socket pair (`lumina.jobs.channel`), and passes on here what it tells:
the shops running (`is_syncing` answers at once), the families a commit changed (the read cache), the live events
(SQLite; PostgreSQL's NOTIFY reaches this process's listener by itself), and its run figures for /metrics.

The child dying (killed, out of memory) fails the calls in flight with a clear error, is logged in one line, and
another child is started; the dead one's leases are taken over at once (`lumina.sync.state`: its process is gone).
The embedded scheduler stays in this process and only asks the engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import SecretStr

from lumina.config import Settings
from lumina.context import ServiceContext
from lumina.errors import ServiceUnavailableError
from lumina.jobs.channel import Channel, Message
from lumina.kit.changes import all_family_data_changed, family_data_changed
from lumina.live.bus import BUS, LiveEvent
from lumina.logging import get_logger
from lumina.models import SyncTrigger
from lumina.sync import SyncResult
from lumina.sync.errors import NoShopConfiguredError, SyncAlreadyRunningError, SyncError
from lumina.sync.service import DEFAULT_STOP_GRACE

logger = get_logger("lumina.jobs")

# The child's CPU priority below the service's: the requests' process gets the cores first.
NICENESS = 10
# How long a call waits for a child being started again before it gives up.
START_WAIT = 30.0
# A child that lived shorter than this is started again only after a pause (doubling, up to MAX_PAUSE).
SHORT_LIFE = 10.0
MAX_PAUSE = 30.0
# After the graceful stop, how long the child may take to exit before it is killed.
EXIT_WAIT = 10.0

_ERRORS: dict[str, type[SyncError]] = {
    "SyncAlreadyRunningError": SyncAlreadyRunningError,
    "NoShopConfiguredError": NoShopConfiguredError,
}
_TIMES = ("started_at", "finished_at", "cursor_before", "cursor_after")


class SyncProcessLostError(SyncError, ServiceUnavailableError):
    """The sync process ended with the call in hand (its run is left to the lease's takeover), or is starting."""

    def __init__(self, message: str = "The sync process ended during the sync; another is starting: try again") -> None:
        ServiceUnavailableError.__init__(self, message)


class ProcessSync:
    """Asks the child process that runs the syncs, and starts another when it dies."""

    def __init__(self, context: ServiceContext, *, niceness: int = NICENESS) -> None:
        self.context = context
        self.niceness = niceness
        self.last_result: SyncResult | None = None
        self.process: asyncio.subprocess.Process | None = None
        self.started = 0  # children started so far
        self._channel: Channel | None = None
        self._ready = asyncio.Event()
        self._running: frozenset[int] = frozenset()
        self._stopping = False
        self._closed = asyncio.Event()  # `close` was called: a child that ends is not started again
        self._calls: dict[int, asyncio.Future[Any]] = {}
        self._numbers = itertools.count(1)
        self._supervisor: asyncio.Task[None] | None = None

    @classmethod
    async def start(cls, context: ServiceContext, *, niceness: int = NICENESS) -> ProcessSync:
        """Start the child and return once it takes calls (a child that cannot start fails the start)."""
        engine = cls(context, niceness=niceness)
        await engine._spawn()
        engine._supervisor = asyncio.create_task(engine._supervise(), name="lumina.sync_process")
        return engine

    # -- the engine's face ------------------------------------------------------------------------------------

    @property
    def stopping(self) -> bool:
        return self._stopping

    def is_syncing(self, shop_id: int | None = None) -> bool:
        return bool(self._running) if shop_id is None else shop_id in self._running

    async def sync_family(self, family_id: int, *, trigger: SyncTrigger, days_back: int | None = None) -> SyncResult:
        fields = await self._call("sync_family", family_id=family_id, trigger=trigger.value, days_back=days_back)
        self.last_result = _result(fields)
        return self.last_result

    async def sync_all(self, *, trigger: SyncTrigger, shop_ids: Sequence[int] | None = None) -> list[SyncResult]:
        listed = None if shop_ids is None else list(shop_ids)
        results = [_result(fields) for fields in await self._call("sync_all", trigger=trigger.value, shop_ids=listed)]
        if results:
            self.last_result = results[-1]
        return results

    async def stop(self, grace: float = DEFAULT_STOP_GRACE) -> None:
        """Stop taking work; running syncs finish the page in hand (cancelled after `grace`)."""
        self._stopping = True
        if self._ready.is_set():
            with contextlib.suppress(SyncProcessLostError):
                await self._call("stop", grace=grace)

    def resume(self) -> None:
        self._stopping = False
        if self._channel is not None:
            self._channel.send({"op": "resume"})

    async def run_figures(self) -> bytes:
        """The child's run figures, as Prometheus text (none while it is being started again)."""
        if not self._ready.is_set():
            return b""
        try:
            text: str = await self._call("figures")
        except SyncProcessLostError:
            return b""
        return text.encode()

    async def close(self, grace: float = DEFAULT_STOP_GRACE) -> None:
        """Stop the syncs (as `stop`), end the child's channel and wait for it to exit."""
        await self.stop(grace)
        self._closed.set()
        if self._channel is not None:
            await self._channel.close()
        if self.process is not None:
            try:
                await asyncio.wait_for(self.process.wait(), EXIT_WAIT)
            except TimeoutError:
                logger.warning("the sync process did not exit after its stop: killed", pid=self.process.pid)
                self.process.kill()
        if self._supervisor is not None:
            await self._supervisor

    # -- the child ------------------------------------------------------------------------------------------------

    async def _call(self, op: str, **args: object) -> Any:
        if not self._ready.is_set():
            if self._closed.is_set():
                raise SyncProcessLostError("The sync process has stopped: the service is shutting down.")
            try:
                await asyncio.wait_for(self._ready.wait(), START_WAIT)
            except TimeoutError:
                raise SyncProcessLostError("The sync process is starting again: try again shortly.") from None
        assert self._channel is not None
        number = next(self._numbers)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._calls[number] = future
        try:
            self._channel.send({"call": number, "op": op, "args": args})
            return await future
        finally:
            self._calls.pop(number, None)

    async def _spawn(self) -> None:
        ours, theirs = socket.socketpair()
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "lumina.jobs.sync_child",
                str(theirs.fileno()),
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
            )
        finally:
            theirs.close()
        channel = await Channel.over(ours)
        channel.send({"niceness": self.niceness, "settings": _settings_values(self.context.settings)})
        ready = await channel.receive()
        if ready is None:
            await channel.close()
            status = await process.wait()
            raise SyncProcessLostError(f"The sync process could not start (exit status {status}).")
        self.process, self._channel = process, channel
        self.started += 1
        self._ready.set()

    async def _supervise(self) -> None:
        pause = 0.0
        while True:
            began = time.monotonic()
            await self._listen()
            assert self.process is not None
            status = await self.process.wait()
            self._lost()
            if self._closed.is_set():
                return
            logger.error("the sync process ended: starting another", exit_status=status)
            pause = min(max(1.0, 2 * pause), MAX_PAUSE) if time.monotonic() - began < SHORT_LIFE else 0.0
            while not await self._closed_within(pause):
                try:
                    await self._spawn()
                except (SyncProcessLostError, OSError) as exc:
                    logger.error("the sync process could not start", error=str(exc))
                    pause = min(max(1.0, 2 * pause), MAX_PAUSE)
                    continue
                if self._closed.is_set() and self._channel is not None:  # `close` came while it started: end it too
                    await self._channel.close()
                break
            else:
                return

    async def _closed_within(self, seconds: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closed.wait(), seconds)
        return self._closed.is_set()

    async def _listen(self) -> None:
        """Take the child's messages until its channel ends (it exited, or `close` ended it)."""
        channel = self._channel
        assert channel is not None
        while (message := await channel.receive()) is not None:
            self._take(message)
        await channel.close()

    def _take(self, message: Message) -> None:
        if "reply" in message:
            future = self._calls.get(message["reply"])
            if future is None or future.done():
                return  # its caller went away (a client hanging up): the run went on all the same
            if "error" in message:
                future.set_exception(_ERRORS.get(message["error"], SyncError)(message["message"]))
            else:
                future.set_result(message["value"])
            return
        event = message.get("event")
        if event == "running":
            self._running = frozenset(message["shops"])
        elif event == "families":
            ids = message["ids"]
            if ids is None:
                all_family_data_changed()
            else:
                family_data_changed(ids)
        elif event == "live":
            BUS.publish(LiveEvent(family_id, kind, data) for family_id, kind, data in message["events"])

    def _lost(self) -> None:
        """The child is gone: nothing runs there any more, and no call in flight will be answered."""
        self._ready.clear()
        self._channel = None
        self._running = frozenset()
        calls, self._calls = self._calls, {}
        for future in calls.values():
            if not future.done():
                future.set_exception(SyncProcessLostError())


def _settings_values(settings: Settings) -> dict[str, Any]:
    """The settings as the child rebuilds them, secrets included (they travel over the socket pair only)."""
    values = settings.model_dump(mode="json")
    for name in values:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            values[name] = value.get_secret_value()
    return values


def _result(fields: dict[str, Any]) -> SyncResult:
    times = {name: datetime.fromisoformat(fields[name]) for name in _TIMES if fields[name] is not None}
    return SyncResult(**(fields | times))
