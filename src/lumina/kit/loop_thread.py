"""An event loop of its own on a thread of its own, for background work that must not share the requests' loop.

A backfill on the loop that answers requests puts every step of every request behind the pages ready to be decoded
and written (bench/api_during_sync.py). On its own thread the work is still in the process (one service to run,
its schedule and its locks as before), and a request waits for the interpreter, never for the other loop's queue.
Objects tied to a loop (database connections, futures, queues) stay on the loop that made them: the work runs with
its own database engine, the requests' loop submits coroutines with `run` and awaits their results, and whatever
the work tells the requests' side (live events, cache invalidation) goes through `deliver`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_home = threading.local()


def deliver(callback: Callable[..., object], *args: object) -> None:
    """Call `callback(*args)` on the loop that started the calling thread's LoopThread, or at once elsewhere."""
    loop: asyncio.AbstractEventLoop | None = getattr(_home, "loop", None)
    if loop is None:
        callback(*args)
        return
    with contextlib.suppress(RuntimeError):  # that loop has closed: nobody is left to tell
        loop.call_soon_threadsafe(callback, *args)


class _SteppedLoop(asyncio.SelectorEventLoop):
    """Calls `between_steps` before each of its iterations (the callbacks ready at once, then the wait for I/O).

    asyncio offers no public hook there: this overrides the private `_run_once` of CPython's base loop (3.8 to
    3.13), which runs one iteration."""

    def __init__(self, between_steps: Callable[[], None]) -> None:
        super().__init__()
        self._between_steps = between_steps

    def _run_once(self) -> None:
        self._between_steps()
        super()._run_once()  # type: ignore[misc]


class LoopThread:
    """A daemon thread running its own event loop until `close`. `between_steps` (if given) runs on that thread
    before every iteration of its loop: it may block there (a gate that holds the background work)."""

    def __init__(self, name: str, *, between_steps: Callable[[], None] | None = None) -> None:
        self.name = name
        self.between_steps = between_steps
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    async def start(self) -> None:
        home = asyncio.get_running_loop()
        ready = threading.Event()

        def main() -> None:
            _home.loop = home
            loop = asyncio.new_event_loop() if self.between_steps is None else _SteppedLoop(self.between_steps)
            asyncio.set_event_loop(loop)
            self._loop = loop
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
                loop.close()

        self._thread = threading.Thread(target=main, name=self.name, daemon=True)
        self._thread.start()
        await asyncio.to_thread(ready.wait)

    async def run(self, work: Coroutine[Any, Any, T]) -> T:
        """Run `work` on this thread's loop and return its result here; cancelling the caller cancels it there."""
        if self._loop is None:
            work.close()
            raise RuntimeError(f"{self.name} is not running")
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, self._loop))

    async def close(self, last: Callable[[], Awaitable[object]] | None = None, *, grace: float = 5.0) -> None:
        """Let what still runs there finish (`grace` seconds at most, then cancel it), run `last` there (closing
        what the work used), stop the loop and wait for the thread to end."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        await self.run(_end_the_rest(grace, last))
        self._loop = None
        loop.call_soon_threadsafe(loop.stop)
        await asyncio.to_thread(thread.join)


async def _end_the_rest(grace: float, last: Callable[[], Awaitable[object]] | None) -> None:
    current = asyncio.current_task()
    rest = [task for task in asyncio.all_tasks() if task is not current]
    if rest:
        _done, pending = await asyncio.wait(rest, timeout=grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    if last is not None:
        await last()
