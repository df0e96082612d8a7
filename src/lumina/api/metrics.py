"""Prometheus metrics: request counts and latencies by route template, and the `/metrics` endpoint (the sync's
figures are `lumina.sync.metrics` and `lumina.jobs.gauges`; docs/operating.md lists them)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

from lumina.jobs import gauges
from lumina.jobs.sync_process import ProcessSync
from lumina.sync import metrics as sync_metrics

REQUESTS = Counter("lumina_http_requests_total", "HTTP requests served.", ["method", "route", "status"])
LATENCY = Histogram(
    "lumina_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

router = APIRouter(tags=["health"])


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """HTTP figures of this process, sync figures of the runs it did, and the database's lag and queue gauges."""
    context = request.app.state.context
    await gauges.refresh(context)
    engine = context.components.get("sync")
    if isinstance(engine, ProcessSync):  # the runs are counted in its process
        return Response(sync_metrics.exposition(await engine.run_figures()), media_type=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def observe(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request (lumina.api.access calls this for every request)."""
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)
