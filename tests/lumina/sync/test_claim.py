"""Taking a shop's lease: on PostgreSQL the claim commits as it is made (a run's claim and the readings after it are
statements that each stand alone), so a reading that fails gives the lease back rather than leave the shop to wait
for the lease to expire."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from lumina.context import ServiceContext
from lumina.models import ShopSyncState
from lumina.sync.state import ShopLease
from tests.factories import create_shop


async def test_a_claim_whose_reading_fails_gives_the_lease_back(context: ServiceContext) -> None:
    async with context.database.transaction() as session:
        shop_id = (await create_shop(session, context.secret_box)).id
    lease = ShopLease(context.database, shop_id, "this-host:1:abc", ttl=timedelta(minutes=5))

    async def failing(_session: AsyncSession, _state: ShopSyncState) -> None:
        raise RuntimeError("the shop could not be read")

    with pytest.raises(RuntimeError):
        await lease.acquire_and(failing)

    other = ShopLease(context.database, shop_id, "other-host:1:def", ttl=timedelta(minutes=5))
    assert await other.acquire()
