"""Prometheus figures of the sync, counted by the process that runs it (an API process or a `lumina worker`).

Each process serves its own registry (the API at /metrics, a worker on WORKER_METRICS_PORT) and Prometheus scrapes
every one; counters are summed across them at query time. Per-shop labels keep the cardinality bounded by the
number of shops; METRICS_PER_SHOP=false folds every shop into `shop="all"`. The duration histogram never carries
the shop: buckets times shops would be the largest series set by far, and alerts need the distribution, not a shop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, Metric, generate_latest

from lumina.sync.runs import SyncResult
from lumina.woocommerce import RequestStats

ALL_SHOPS = "all"

RUNS = Counter("lumina_sync_runs_total", "Sync runs of a shop, by how they ended.", ["shop", "outcome"])
RUN_SECONDS = Histogram(
    "lumina_sync_run_duration_seconds",
    "Wall time of one shop's sync run.",
    ["outcome"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800),
)
ORDERS = Counter("lumina_sync_orders_written_total", "Orders a sync wrote, by kind of write.", ["shop", "kind"])
REQUESTS = Counter(
    "lumina_shop_requests_total",
    "HTTP requests to shops by outcome: ok, retried, rate_limited (429) or failed.",
    ["shop", "outcome"],
)
LAG = Gauge("lumina_sync_lag_seconds", "Seconds since the shop's last successful sync (read at scrape time).", ["shop"])

# What the process that runs the syncs records (the lag is read from the database by whoever is scraped).
RUN_FIGURES = (RUNS, RUN_SECONDS, ORDERS, REQUESTS)

_per_shop = True


def configure(*, per_shop: bool) -> None:
    """Set once at start-up from METRICS_PER_SHOP."""
    global _per_shop  # noqa: PLW0603 - one switch for the process, like the registry it labels
    _per_shop = per_shop


def _shop(shop_id: int) -> str:
    return str(shop_id) if _per_shop else ALL_SHOPS


def record_run(result: SyncResult, requests: RequestStats | None) -> None:
    """Count a finished run: its outcome and duration, the orders it wrote, the shop's answers."""
    shop = _shop(result.shop_id)
    RUNS.labels(shop, result.status).inc()
    RUN_SECONDS.labels(result.status).observe(result.duration_seconds)
    for kind in ("created", "updated", "unchanged", "deleted"):
        count = getattr(result, kind)
        if count:
            ORDERS.labels(shop, kind).inc(count)
    if requests is None or not requests.requests:
        return
    retried = requests.requests - requests.answered - requests.rate_limited - requests.failed
    for outcome, count in (
        ("ok", requests.answered),
        ("retried", retried),
        ("rate_limited", requests.rate_limited),
        ("failed", requests.failed),
    ):
        if count > 0:
            REQUESTS.labels(shop, outcome).inc(count)


def set_lag(last_successes: Iterable[tuple[int, datetime | None]], now: datetime) -> None:
    """Each shop's lag, now minus its last success (a shop never synced yet has none), or the worst one."""
    LAG.clear()
    worst: float | None = None
    for shop_id, last_success in last_successes:
        if last_success is None:
            continue
        lag = max((now - last_success).total_seconds(), 0.0)
        if _per_shop:
            LAG.labels(str(shop_id)).set(lag)
        worst = lag if worst is None else max(worst, lag)
    if not _per_shop and worst is not None:
        LAG.labels(ALL_SHOPS).set(worst)


class _Figures:
    """Some of a registry's metrics, as `generate_latest` takes them."""

    def __init__(self, collect: Callable[[], Iterable[Metric]]) -> None:
        self.collect = collect


def run_figures() -> bytes:
    """The text of this process's run figures (a sync process hands them to the service it runs for)."""
    return generate_latest(_Figures(lambda: (metric for figure in RUN_FIGURES for metric in figure.collect())))


def exposition(runs_elsewhere: bytes) -> bytes:
    """This process's registry with the run figures of the process that runs its syncs in place of its own
    (which never count there), so that each metric appears once."""
    names = {metric.name for figure in RUN_FIGURES for metric in figure.collect()}
    own = _Figures(lambda: (metric for metric in REGISTRY.collect() if metric.name not in names))
    return generate_latest(own) + runs_elsewhere
