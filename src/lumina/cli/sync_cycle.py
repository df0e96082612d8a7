"""One sync cycle from the command line: a progress bar per shop on a terminal, a summary, an exit status."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections import Counter
from collections.abc import Sequence
from contextlib import suppress
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from lumina.context import ServiceContext
from lumina.kit.heap import settle_after_startup
from lumina.models import SyncRunStatus, SyncTrigger
from lumina.shops.default import ensure_default_shop
from lumina.sync import NoShopConfiguredError, SyncAlreadyRunningError, SyncCoordinator, SyncResult
from lumina.sync.runs import SKIPPED

EXIT_FAILED = 1
EXIT_NOTHING_TO_SYNC = 2
EXIT_INTERRUPTED = 130


class BarProgress:
    """A progress bar per shop on stderr; log lines keep printing above it."""

    def __init__(self) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("orders"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            redirect_stderr=True,
            transient=False,
        )
        self._tasks: dict[int, Any] = {}
        self._handlers: list[tuple[logging.StreamHandler[Any], Any]] = []

    def __enter__(self) -> BarProgress:
        self.progress.start()
        # Log records go through the bar's console so that they do not tear it apart.
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler):
                self._handlers.append((handler, handler.setStream(sys.stderr)))
        return self

    def __exit__(self, *exc: object) -> None:
        for handler, stream in self._handlers:
            handler.setStream(stream)
        self.progress.stop()

    def started(self, shop_id: int, shop_name: str) -> None:
        self._tasks[shop_id] = self.progress.add_task(f"{shop_name} (#{shop_id})", total=None)

    def advanced(self, shop_id: int, processed: int, total: int | None) -> None:
        task = self._tasks.get(shop_id)
        if task is not None:
            self.progress.update(task, completed=processed, total=max(total or 0, processed) or None)

    def finished(self, result: SyncResult) -> None:
        task = self._tasks.get(result.shop_id)
        if task is not None:
            self.progress.update(task, completed=result.processed, total=max(result.processed, 1))


def _summary(results: Sequence[SyncResult]) -> str:
    lines = []
    for r in results:
        lines.append(
            f"shop {r.shop_id}: {r.status} in {r.duration_seconds:.1f} s: {r.processed} processed, "
            f"{r.created} created, {r.updated} updated, {r.unchanged} unchanged, {r.deleted} deleted; "
            f"{r.requests} requests"
        )
    tally = Counter(r.status for r in results)
    parts = [f"{tally[SyncRunStatus.SUCCEEDED.value]} synced"]
    if tally[SyncRunStatus.CANCELLED.value]:
        parts.append(f"{tally[SyncRunStatus.CANCELLED.value]} cancelled before finishing (the next sync resumes)")
    if tally[SKIPPED]:
        parts.append(f"{tally[SKIPPED]} skipped")
    parts.append(f"{tally[SyncRunStatus.FAILED.value]} failed")
    lines.append(f"{len(results)} shop(s): {', '.join(parts)}.")
    return "\n".join(lines)


def _install_signal_handlers(coordinator: SyncCoordinator, main: asyncio.Task[Any]) -> list[signal.Signals]:
    """First SIGINT/SIGTERM: stop after the page in hand. Second: stop now (the page in hand rolls back)."""
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []

    def on_signal(sig: signal.Signals) -> None:
        if coordinator.stopping:
            main.cancel()
            return
        typer.secho(f"\n{sig.name}: stopping after the page in hand (again to stop at once)...", err=True)
        asyncio.ensure_future(coordinator.stop())  # noqa: RUF006 - awaited through the syncs it stops

    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, on_signal, sig)
            installed.append(sig)
    return installed


async def run_sync(context: ServiceContext, family: int | None, days_back: int | None, reconcile: bool) -> int:
    await ensure_default_shop(context)
    settle_after_startup()
    coordinator = SyncCoordinator(context)
    main = asyncio.current_task()
    assert main is not None
    installed = _install_signal_handlers(coordinator, main)
    bar = BarProgress() if sys.stderr.isatty() else None
    results: list[SyncResult] = []
    try:
        if bar is not None:
            bar.__enter__()
        if family is not None:
            result = await coordinator.sync_family(
                family, trigger=SyncTrigger.CLI, days_back=days_back, reconcile=reconcile or None, progress=bar
            )
            results = [result]
        else:
            results = await coordinator.sync_all(
                trigger=SyncTrigger.CLI, days_back=days_back, reconcile=reconcile or None, progress=bar
            )
    except (NoShopConfiguredError, SyncAlreadyRunningError) as exc:
        typer.secho(exc.message, fg="red", err=True)
        return EXIT_NOTHING_TO_SYNC if isinstance(exc, NoShopConfiguredError) else EXIT_FAILED
    except asyncio.CancelledError:
        await coordinator.stop(0)
        typer.secho("Interrupted.", fg="yellow", err=True)
        return EXIT_INTERRUPTED
    finally:
        interrupted = coordinator.stopping
        await coordinator.stop(0)  # nothing runs now: this closes the shops' clients
        if bar is not None:
            bar.__exit__(None, None, None)
        loop = asyncio.get_running_loop()
        for sig in installed:
            loop.remove_signal_handler(sig)
    if not results:
        typer.secho(
            "No shop to sync: set WC_STORE_URL, WC_CONSUMER_KEY and WC_CONSUMER_SECRET, or add one with "
            "`lumina shops add`.",
            fg="yellow",
            err=True,
        )
        return EXIT_NOTHING_TO_SYNC
    typer.echo(_summary(results))
    for r in results:
        if r.error:
            typer.secho(f"shop {r.shop_id}: {r.error}", fg="red" if r.status == "failed" else "yellow", err=True)
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_FAILED if any(r.status == "failed" for r in results) else 0
