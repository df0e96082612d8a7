"""`lumina sync` and `lumina cleanup` as a person runs them: three shop variables and a database URL, nothing else."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from lumina.context import ServiceContext
from lumina.models import CachedOrder
from tests.lumina.jobs.processes import ROOT, environment
from woosim import ShopServer, SimulatedShop


async def lumina(
    context: ServiceContext, shop: SimulatedShop, server: ShopServer, *args: str, secret: str | None = None
) -> tuple[int, str, str]:
    env = environment(
        context,
        WC_STORE_URL=server.base_url,
        WC_CONSUMER_KEY=shop.read_write_key.consumer_key,
        WC_CONSUMER_SECRET=secret or shop.read_write_key.consumer_secret,
    )
    command = [str(Path(sys.executable).with_name("lumina")), *args]
    done = await asyncio.to_thread(
        subprocess.run, command, env=env, capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
    )
    return done.returncode, done.stdout, done.stderr


async def test_lumina_sync_mirrors_the_shop_of_the_env_variables_with_no_other_set_up(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    code, out, err = await lumina(context, woo_shop, shop_server, "sync")
    assert code == 0, err
    assert "succeeded" in out
    assert woo_shop.read_write_key.consumer_secret not in out + err
    assert woo_shop.read_write_key.consumer_key not in out + err
    async with context.database.transaction() as session:
        held = await session.scalar(select(func.count()).select_from(CachedOrder).where(CachedOrder.is_visible))
    assert held

    woo_shop.clock.advance(30)
    before = woo_shop.request_counts["total"]
    code, out, _err = await lumina(context, woo_shop, shop_server, "sync")
    assert code == 0
    assert "1 requests" in out  # one listing: nothing new, and the count that would show a deletion
    assert woo_shop.request_counts["total"] - before == 1

    code, out, _err = await lumina(context, woo_shop, shop_server, "cleanup", "--days", "10")
    assert code == 0
    assert "Removed" in out


async def test_lumina_sync_exits_non_zero_when_a_shop_fails(
    context: ServiceContext, woo_shop: SimulatedShop, shop_server: ShopServer
) -> None:
    code, out, err = await lumina(context, woo_shop, shop_server, "sync", secret="cs_not_the_right_secret_at_all")
    assert code == 1
    assert "failed" in out
    assert "OAuth signature" in err
    assert "cs_not_the_right_secret_at_all" not in out + err
