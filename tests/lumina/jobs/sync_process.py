"""A separate process that syncs one shop, as a second API process or worker would (for the tests).

Usage: python sync_process.py SHOP_ID [LEASE_SECONDS]. Settings come from the environment (DATABASE_URL, keys).
Prints the result as JSON; exit status 0 when it ran, 3 when the shop was busy.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import timedelta

from lumina.config import Settings
from lumina.context import ServiceContext
from lumina.models import SyncTrigger
from lumina.sync import SyncAlreadyRunningError, SyncCoordinator, SyncOptions


async def main(shop_id: int, lease_seconds: float) -> int:
    settings = Settings()
    context = ServiceContext.from_settings(settings)
    try:
        coordinator = SyncCoordinator(
            context, options=SyncOptions.from_settings(settings), lease_ttl=timedelta(seconds=lease_seconds)
        )
        print("started", flush=True)
        try:
            result = await coordinator.sync_shop(shop_id, trigger=SyncTrigger.MANUAL)
        except SyncAlreadyRunningError as error:
            print(json.dumps({"busy": error.message}), flush=True)
            return 3
        print(json.dumps({"status": result.status, "run_id": result.run_id, "error": result.error}), flush=True)
        return 0
    finally:
        await context.close()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(int(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 60.0)))
