"""The default shop from WC_STORE_URL, WC_CONSUMER_KEY and WC_CONSUMER_SECRET, and the families it serves."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from lumina.config import ConfigError
from lumina.context import ServiceContext
from lumina.db import Database
from lumina.families.service import create_family as create_family_via_service
from lumina.kit.crypto import SecretBox
from lumina.models import Family, FamilyShop, ShopConnection
from lumina.shops.default import ensure_default_shop
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.factories import create_family, create_shop, link_family
from tests.lumina.auth.support import context_with

KEY = "ck_default-key-AAAA1111"
SECRET = "cs_default-secret-BBBB2222"


def env_context(tmp_path: Path, database: Database, **overrides: object) -> ServiceContext:
    values: dict[str, object] = {
        "wc_store_url": "https://home-shop.example/",
        "wc_consumer_key": KEY,
        "wc_consumer_secret": SECRET,
        **overrides,
    }
    return context_with(tmp_path, database, **values)


async def shops_and_links(database: Database) -> tuple[list[ShopConnection], list[tuple[int, int]], list[Family]]:
    async with database.transaction() as session:
        shops = list((await session.execute(select(ShopConnection))).scalars())
        links = [(row[0], row[1]) for row in await session.execute(select(FamilyShop.family_id, FamilyShop.shop_id))]
        families = list((await session.execute(select(Family))).scalars())
    return shops, links, families


async def test_nothing_happens_without_the_variables(context: ServiceContext, database: Database) -> None:
    assert await ensure_default_shop(context) is None
    assert await shops_and_links(database) == ([], [], [])


async def test_a_fresh_install_gets_the_shop_and_a_household(tmp_path: Path, database: Database) -> None:
    shop = await ensure_default_shop(env_context(tmp_path, database))

    assert shop is not None
    shops, links, families = await shops_and_links(database)
    assert [(s.url, s.is_default, s.auth_mode, s.verify_tls, s.key_hint) for s in shops] == [
        ("https://home-shop.example", True, "auto", True, "…1111")
    ]
    assert [family.name for family in families] == ["Household"]
    assert links == [(families[0].id, shop.id)]
    box = SecretBox(TEST_ENCRYPTION_KEY)
    assert box.decrypt(shops[0].consumer_key_encrypted) == KEY
    assert box.decrypt(shops[0].consumer_secret_encrypted) == SECRET
    assert SECRET not in shops[0].consumer_secret_encrypted


async def test_it_is_idempotent(tmp_path: Path, database: Database) -> None:
    context = env_context(tmp_path, database)
    first = await ensure_default_shop(context)
    second = await ensure_default_shop(context)

    assert first is not None
    assert second is not None
    assert first.id == second.id
    shops, links, families = await shops_and_links(database)
    assert (len(shops), len(links), len(families)) == (1, 1, 1)


async def test_families_without_a_shop_are_linked_and_others_left_alone(tmp_path: Path, database: Database) -> None:
    async with database.transaction() as session:
        lonely = await create_family(session, "Lonely")
        busy = await create_family(session, "Busy")
        await link_family(session, busy, await create_shop(session, SecretBox(TEST_ENCRYPTION_KEY)))

    shop = await ensure_default_shop(env_context(tmp_path, database))

    assert shop is not None
    _, links, families = await shops_and_links(database)
    assert (lonely.id, shop.id) in links
    assert (busy.id, shop.id) not in links
    assert "Household" not in [family.name for family in families]


async def test_changed_variables_update_the_row(tmp_path: Path, database: Database) -> None:
    first = await ensure_default_shop(env_context(tmp_path, database))
    assert first is not None
    async with database.transaction() as session:
        row = await session.get(ShopConnection, first.id)
        assert row is not None
        row.can_write = True
        row.wc_version = "9.0.0"

    second = await ensure_default_shop(
        env_context(
            tmp_path,
            database,
            wc_store_url="http://moved.example",
            wc_consumer_key="ck_new-key-CCCC3333",
            wc_auth_mode="oauth1",
            wc_verify_tls=False,
        )
    )

    assert second is not None
    assert second.id == first.id
    shops, _, _ = await shops_and_links(database)
    assert len(shops) == 1
    shop = shops[0]
    assert (shop.url, shop.auth_mode, shop.verify_tls, shop.key_hint) == (
        "http://moved.example",
        "oauth1",
        False,
        "…3333",
    )
    assert SecretBox(TEST_ENCRYPTION_KEY).decrypt(shop.consumer_key_encrypted) == "ck_new-key-CCCC3333"
    assert shop.checked_at is None
    assert shop.can_write is None


async def test_a_family_created_later_is_linked_to_the_default_shop(tmp_path: Path, database: Database) -> None:
    shop = await ensure_default_shop(env_context(tmp_path, database))
    assert shop is not None

    async with database.transaction() as session:
        family = await create_family_via_service(session, "Newcomers")

    _, links, _ = await shops_and_links(database)
    assert (family.id, shop.id) in links


async def test_an_unusable_url_is_a_configuration_error(tmp_path: Path, database: Database) -> None:
    context = env_context(tmp_path, database, wc_store_url="http://shop.example", wc_auth_mode="basic")

    with pytest.raises(ConfigError, match="https://"):
        await ensure_default_shop(context)
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(ShopConnection)) == 0
