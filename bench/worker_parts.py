"""`lumina worker` with its CPU counted per part of a job, for `fleet.py --parts`.

    .venv/bin/python bench/worker_parts.py OUT.json worker --concurrency 1

Each part below is a coroutine of the worker's path; the thread CPU time (`time.thread_time`) from its call to its
return is added to the part. Across an `await` that includes whatever else the event loop ran meanwhile, so the
figures mean something only with one job at a time (`--concurrency 1`), when little else runs: the worker's
heartbeat and the queue's notifications. Parts nest (a run's claim is inside the job): they do not add up.

SIGUSR1 starts counting; the next SIGUSR1 writes OUT.json (the process's CPU seconds over the same time, and per
part its seconds and calls) and stops. py-spy and cProfile could not tell this on these machines: py-spy samples
threads that wait as running, cProfile's overhead swamps the many small calls of an idle run, and SQLAlchemy's
greenlets cut a statement off from the run that sent it.
"""

from __future__ import annotations

import functools
import json
import signal
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import FrameType
from typing import Any

import procrastinate.manager
import procrastinate.worker
from sqlalchemy.ext.asyncio import AsyncSession

from lumina.cli import main
from lumina.sync import engine, service, state
from lumina.woocommerce import _http

# (owner, coroutine name, label), outermost first.
PARTS: list[tuple[Any, str, str]] = [
    (procrastinate.worker.Worker, "_process_job", "job (procrastinate's, the run inside)"),
    (procrastinate.manager.JobManager, "fetch_job", "  fetch the job"),
    (procrastinate.manager.JobManager, "finish_job", "  finish the job"),
    (service.SyncCoordinator, "sync_shop", "  run (SyncCoordinator.sync_shop)"),
    (service.SyncCoordinator, "_claim", "    claim: lease, shop, plan, run record"),
    (state.ShopLease, "_take", "      the lease's claim"),
    (engine.ShopSync, "prepare", "      plan and run record"),
    (_http.Requester, "send_once", "    the shop's request"),
    (engine.ShopSync, "_finish", "    finish: health, lease, run record"),
    (AsyncSession, "execute", "  any statement (session.execute)"),
]

seconds: defaultdict[str, float] = defaultdict(float)
calls: defaultdict[str, int] = defaultdict(int)


def counted(function: Callable[..., Awaitable[Any]], label: str) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(function)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time()
        try:
            return await function(*args, **kwargs)
        finally:
            seconds[label] += time.thread_time() - started
            calls[label] += 1

    return wrapper


def toggler(out: Path) -> Callable[[int, FrameType | None], None]:
    since: list[float] = []

    def toggle(_signum: int, _frame: FrameType | None) -> None:
        if not since:
            seconds.clear()
            calls.clear()
            since.append(time.process_time())
            return
        parts = {label: [seconds[label], calls[label]] for _owner, _name, label in PARTS}
        out.write_text(json.dumps({"process": time.process_time() - since.pop(), "parts": parts}))

    return toggle


if __name__ == "__main__":
    for owner, name, label in PARTS:
        setattr(owner, name, counted(getattr(owner, name), label))
    signal.signal(signal.SIGUSR1, toggler(Path(sys.argv.pop(1))))
    sys.argv[0] = "lumina"
    main()
