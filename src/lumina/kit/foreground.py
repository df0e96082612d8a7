"""Requests before background work in the same process (the embedded sync), on their loop or on its own thread.

A backfill keeps the loop and the interpreter busy: pages decoded, parsed and written one after another. A request
arriving meanwhile waits behind every step that is ready to run, and each of its own steps (the token check, the
database read, the rendering) waits again. So the request side marks the time it works on an answer, up to the
moment the answer starts (a live stream's open-ended body does not count), and background work asks for its `turn`
between its steps: while a request is being answered it waits until none is, at most PATIENCE seconds, so that it
still moves on under steady traffic. Work on a thread and loop of its own (the service's sync engine,
`lumina.jobs.sync_thread`) parks its thread instead, the interpreter free for the requests. A request that runs such
work itself and waits for it (a manual sync) steps aside first; work done inside a request still answering never
waits. Process-local: in a process that serves no requests it costs nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from contextvars import ContextVar

# The longest a step of background work waits for requests: a request normally takes a few milliseconds.
PATIENCE = 0.05


class Answering:
    """One request being answered; `done` when its answer starts (or it ends); later calls do nothing."""

    __slots__ = ("_foreground",)

    def __init__(self, foreground: Foreground) -> None:
        self._foreground: Foreground | None = foreground

    @property
    def open(self) -> bool:
        return self._foreground is not None

    def done(self) -> None:
        if self._foreground is not None:
            self._foreground.left()
            self._foreground = None


_current: ContextVar[Answering | None] = ContextVar("lumina_answering", default=None)


class Foreground:
    def __init__(self, patience: float = PATIENCE) -> None:
        self.patience = patience
        self._answering = 0
        self._waiting: list[asyncio.Future[None]] = []
        # Set while no request is being answered: background work on another thread parks on it (the GIL free).
        self._clear = threading.Event()
        self._clear.set()
        self._requests_thread: int | None = None
        self._parked = 0
        self._parking = threading.Lock()

    @property
    def busy(self) -> bool:
        """A request is being answered."""
        return self._answering > 0

    @property
    def waiting(self) -> int:
        """Steps of background work waiting for their turn (on this loop or parked on their own thread)."""
        return len(self._waiting) + self._parked

    def answering(self) -> Answering:
        """Count a request as being answered, in the calling context and those it starts."""
        if not self._answering:
            self._requests_thread = threading.get_ident()
            self._clear.clear()
        self._answering += 1
        answering = Answering(self)
        _current.set(answering)
        return answering

    def step_aside(self) -> None:
        """The request of the calling context waits on background work from now on: it no longer counts."""
        answering = _current.get()
        if answering is not None:
            answering.done()

    def left(self) -> None:
        self._answering -= 1
        if not self._answering:
            self._clear.set()
            waiting, self._waiting = self._waiting, []
            for waiter in waiting:
                if not waiter.done():
                    waiter.set_result(None)

    async def turn(self) -> None:
        """Return once no request is being answered, or after `patience` seconds."""
        if not self._answering:
            return
        if threading.get_ident() != self._requests_thread:  # work on its own thread and loop: park the thread
            self.give_way()
            return
        answering = _current.get()
        if answering is not None and answering.open:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter, self.patience)
        finally:
            with contextlib.suppress(ValueError):
                self._waiting.remove(waiter)

    def give_way(self) -> None:
        """On a thread other than the requests', hold it (its whole loop) until no request is being answered,
        `patience` at most; the interpreter is free meanwhile. Nothing on the requests' thread, or when none is."""
        if not self._answering or threading.get_ident() == self._requests_thread:
            return
        with self._parking:
            self._parked += 1
        try:
            self._clear.wait(self.patience)
        finally:
            with self._parking:
                self._parked -= 1


FOREGROUND = Foreground()
