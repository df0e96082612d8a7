"""`lumina worker`: a sync worker of the task queue (SYNC_RUNNER=queue, PostgreSQL)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from lumina.cli._common import fail, load, refuse, run_with_context

if TYPE_CHECKING:
    from lumina.context import ServiceContext


def worker(
    concurrency: int = typer.Option(4, min=1, max=64, help="Shops synced at once by this worker."),
    queues: Annotated[
        list[str] | None, typer.Option("--queues", help="Queues to take jobs from (repeatable; default: all).")
    ] = None,
    metrics_port: int | None = typer.Option(
        None, help="Serve this worker's Prometheus /metrics on this port (default: WORKER_METRICS_PORT; 0: none)."
    ),
) -> None:
    """Run queued sync jobs until SIGTERM/SIGINT; any number of workers may run, on any number of machines."""
    from lumina.config import ConfigError
    from lumina.queue.worker import event_loop_factory, run_worker

    settings = load()
    if not settings.queued:
        fail("lumina worker runs the queue's jobs: set SYNC_RUNNER=queue (with PostgreSQL) for it and the API.")
    try:
        settings.check_runner()
    except ConfigError as exc:
        raise refuse(exc) from None

    async def work(context: ServiceContext) -> None:
        port = context.settings.worker_metrics_port if metrics_port is None else metrics_port
        await run_worker(context, concurrency=concurrency, queues=queues or None, metrics_port=port)

    run_with_context(work, loop_factory=event_loop_factory())
