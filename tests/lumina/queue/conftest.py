from pathlib import Path

import pytest

from lumina.config import Settings
from lumina.db import Database
from tests.conftest import make_settings
from tests.lumina.queue.support import empty_queue


@pytest.fixture
async def settings(tmp_path: Path, database: Database) -> Settings:
    """Queue mode (PostgreSQL only), an empty queue, no politeness delay (the shops are local)."""
    if database.is_sqlite:
        pytest.skip("the task queue runs on PostgreSQL only")
    await empty_queue(database)
    return make_settings(
        tmp_path,
        database.url,
        sync_requests_per_second=1000.0,
        retention_days=0,
        sync_runner="queue",
        queue_worker_timeout=2,
    )
