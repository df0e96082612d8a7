"""`lumina worker`: run the queue's jobs until SIGTERM or SIGINT.

On a signal the worker takes no new job, asks its runs to stop after the page in hand (committed, or rolled back
with the cursor where the last commit left it), queues each interrupted shop again for another worker, and
cancels whatever still runs after the grace: it is gone within 10 s. A worker that dies without that (SIGKILL, a
lost machine) stops sending heartbeats; after QUEUE_WORKER_TIMEOUT seconds the next tick of another worker puts
its jobs back in the queue, and the shop's lease (freed at once when its holder is a dead process on the same
host, otherwise when it expires: twice QUEUE_WORKER_TIMEOUT) lets the new run resume from the committed cursor.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from prometheus_client import start_http_server

from lumina.config import Settings
from lumina.context import ServiceContext
from lumina.logging import get_logger
from lumina.queue.facade import SyncQueue
from lumina.queue.tasks import RUNTIME, WorkerRuntime, register
from lumina.sync import SyncCoordinator
from lumina.sync import metrics as sync_metrics

logger = get_logger("lumina.queue")

RUN_GRACE = 5.0  # a run's page in hand; then it is cancelled (rolled back)
JOB_GRACE = 7.0  # then procrastinate aborts whatever job still runs


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop when it is installed (uvicorn's `standard` extra brings it; `lumina serve` runs on it
    too), else asyncio's. A worker is mostly many small round trips (PostgreSQL, the shops, the queue), where the
    loop and its sockets are a good part of the CPU: uvloop's cost less."""
    try:
        import uvloop  # noqa: PLC0415 - optional
    except ImportError:
        return None
    return uvloop.new_event_loop


def worker_options(settings: Settings, *, concurrency: int, queues: list[str] | None, name: str) -> dict[str, Any]:
    """procrastinate's worker settings for `lumina worker` (bench/queue_floor.py runs a job doing nothing under the
    same, to tell the queue's own cost per job)."""
    return {
        "queues": queues,  # None is every queue, as its docs say
        "concurrency": concurrency,
        "name": name,
        "install_signal_handlers": False,
        "shutdown_graceful_timeout": JOB_GRACE,
        "update_heartbeat_interval": max(settings.queue_worker_timeout / 3, 0.2),
        "stalled_worker_timeout": settings.queue_worker_timeout,
    }


async def run_worker(
    context: ServiceContext, *, concurrency: int, queues: list[str] | None, metrics_port: int = 0
) -> None:
    settings = context.settings
    sync_metrics.configure(per_shop=settings.metrics_per_shop)
    if metrics_port:
        start_http_server(metrics_port, addr=settings.host)
    coordinator = SyncCoordinator(context, lease_ttl=timedelta(seconds=settings.worker_lease_seconds))
    queue = SyncQueue(settings, max_connections=concurrency + 3)
    register(queue)
    await queue.open()
    try:
        runtime = WorkerRuntime(context=context, coordinator=coordinator, queue=queue)
        work = asyncio.create_task(
            queue.app.run_worker_async(
                **worker_options(settings, concurrency=concurrency, queues=queues, name=coordinator.owner),
                additional_context={RUNTIME: runtime},
            ),
            name="lumina.worker",
        )
        stopping: list[asyncio.Task[None]] = []

        def on_signal(signum: int) -> None:
            if stopping:
                return
            logger.info("worker stopping", signal=signal.Signals(signum).name)
            coordinator.request_stop()
            stopping.append(asyncio.create_task(coordinator.stop(RUN_GRACE)))
            work.cancel()  # procrastinate then takes no new job and waits for the running ones

        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, on_signal, signum)
        logger.info("worker started", concurrency=concurrency, queues=queues or "all", owner=coordinator.owner)
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await work
            if stopping:
                await asyncio.gather(*stopping)
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
    finally:
        await coordinator.stop(0)  # stopped already on a signal; either way its shops' clients are closed here
        await queue.close()
    logger.info("worker stopped")
