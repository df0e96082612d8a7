"""Sync work on a task queue (procrastinate over the operator's PostgreSQL), for SYNC_RUNNER=queue.

facade.SyncQueue   what the rest of the service calls: enqueue shops, read the queue's depth
tasks              the jobs: `sync.shop` (one shop's sync) and the periodic `sync.tick` (enqueue what is due,
                   take over the jobs of dead workers), `housekeeping.daily`
worker             `lumina worker`: runs the jobs until SIGTERM
schema             procrastinate's tables, in their own PostgreSQL schema, installed by `lumina db upgrade`
"""

from lumina.queue.facade import QueueDepth, SyncQueue

__all__ = ["QueueDepth", "SyncQueue"]
