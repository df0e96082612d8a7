"""The operator's commands against a simulated shop over real HTTP: `lumina shops list` health, `shops update`,
`runs`, and rotating ENCRYPTION_KEY end to end with `shops reencrypt`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from lumina.db import Database
from lumina.kit.crypto import SecretBox
from lumina.models import CachedOrder, ShopConnection
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.lumina.cli.conftest import Cli
from woosim import ApiKey, ShopConfig, ShopServer, SimulatedShop

KEY = ApiKey("ck_Operator-Key-Value-Gnu-0451", "cs_Operator-Secret-Value-Gnat-0451", "read_write")
READ_ONLY = ApiKey("ck_Operator-Ro-Key-Yak-0452", "cs_Operator-Ro-Secret-Emu-0452", "read")
NEW_KEY = "new-encryption-key-fedcba9876543210fedcba98765"


@pytest.fixture(scope="module")
def shop_url() -> Iterator[str]:
    config = ShopConfig(seed=4, order_count=25, days=10, read_write_key=KEY, read_only_key=READ_ONLY)
    with ShopServer(SimulatedShop(config), https=False) as server:
        yield server.base_url


async def synced_shop(cli: Cli, url: str, key: ApiKey = KEY) -> None:
    """Shop 1 at `url`, linked to family 1, synced once."""
    added = await cli("shops", "add", "--name", "Sim", "--url", url, "--key", key.consumer_key,
                      "--secret", key.consumer_secret, "--read-only-ok")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert (await cli("families", "create", "Smiths", "--no-default-shop")).exit_code == 0
    assert (await cli("shops", "link", "--family", "1", "--shop", "1")).exit_code == 0
    synced = await cli("sync")
    assert synced.exit_code == 0, synced.output


def assert_no_secret(*outputs: str) -> None:
    for output in outputs:
        for key in (KEY, READ_ONLY):
            assert key.consumer_secret not in output
            assert key.consumer_key not in output


async def cached(database: Database) -> int:
    async with database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(CachedOrder)) or 0)


async def test_shops_list_shows_each_shops_health(cli: Cli, shop_url: str) -> None:
    await synced_shop(cli, shop_url)
    await cli("shops", "add", "--name", "Gone", "--url", "http://127.0.0.1:9", "--key", "ck_x1234567890",
              "--secret", "cs_x1234567890", "--no-check")  # fmt: skip

    listed = await cli("shops", "list")

    assert listed.exit_code == 0, listed.output
    assert "orders mirrored: 25" in listed.stdout
    assert "every 30 min (SYNC_INTERVAL), last success" in listed.stdout
    assert "never synced successfully" in listed.stdout  # shop 2
    assert_no_secret(listed.output)


async def test_shops_update_renames_rotates_and_keeps_the_orders(
    cli: Cli, cli_database: Database, shop_url: str
) -> None:
    await synced_shop(cli, shop_url, READ_ONLY)
    before = await cached(cli_database)

    renamed = await cli("shops", "update", "1", "--name", "Main street", "--interval", "5")
    wrong = await cli("shops", "update", "1", "--key", KEY.consumer_key, "--secret", "cs_Wrong-Secret-0000-0000")
    rotated = await cli("shops", "update", "1", "--new-key", input=f"{KEY.consumer_key}\n{KEY.consumer_secret}\n")
    back = await cli("shops", "update", "1", "--default-interval")

    assert renamed.exit_code == 0, renamed.output
    assert "Shop 1: Main street" in renamed.stdout
    assert "every 5 min," in renamed.stdout
    assert wrong.exit_code == 1
    assert "refused the credentials" in wrong.stderr
    assert rotated.exit_code == 0, rotated.output
    assert "…0451" in rotated.stdout
    assert "read/write key" in rotated.stdout
    assert "every 30 min (SYNC_INTERVAL)" in back.stdout
    assert_no_secret(renamed.output, wrong.output, rotated.output)
    assert await cached(cli_database) == before > 0


async def test_runs_lists_the_history_newest_first(cli: Cli, shop_url: str) -> None:
    await synced_shop(cli, shop_url)
    await cli("shops", "add", "--name", "Gone", "--url", "http://127.0.0.1:9", "--key", "ck_x1234567890",
              "--secret", "cs_x1234567890", "--no-check")  # fmt: skip
    await cli("shops", "link", "--family", "1", "--shop", "2")
    await cli("sync")

    everything = await cli("runs")
    failed = await cli("runs", "--failed")
    one = await cli("runs", "--shop", "1", "--limit", "1")

    assert everything.exit_code == 0, everything.output
    assert "3 of 3 run(s) shown." in everything.stdout
    assert "Run 1  shop 1  cli" in everything.stdout
    assert "25 processed: 25 created" in everything.stdout
    assert failed.stdout.count("Run ") == 1
    assert "shop 2" in failed.stdout
    assert "Error:" in failed.stdout
    assert "1 of 2 run(s) shown." in one.stdout
    assert "shop 1" in one.stdout
    assert "0 processed" in one.stdout  # the newest: the second sync found nothing new


async def test_rotating_the_encryption_key_end_to_end(cli: Cli, cli_database: Database, shop_url: str) -> None:
    await synced_shop(cli, shop_url)
    both = f"{NEW_KEY},{TEST_ENCRYPTION_KEY}"
    async with cli_database.transaction() as session:  # as webhook registration stores it (PUBLIC_URL set)
        shop = (await session.execute(select(ShopConnection))).scalar_one()
        shop.webhook_secret_encrypted = SecretBox(TEST_ENCRYPTION_KEY).encrypt("webhook-secret-of-shop-1")

    new_only_before = await cli("shops", "check", "1", ENCRYPTION_KEY=NEW_KEY)
    refused = await cli("shops", "reencrypt", ENCRYPTION_KEY=NEW_KEY)
    moved = await cli("shops", "reencrypt", ENCRYPTION_KEY=both)
    checked = await cli("shops", "check", "1", ENCRYPTION_KEY=NEW_KEY)
    synced = await cli("sync", ENCRYPTION_KEY=NEW_KEY)

    assert new_only_before.exit_code == 1  # the stored secrets are still under the old key
    assert "cannot be decrypted" in new_only_before.stderr
    assert refused.exit_code == 1
    assert "shop(s) 1" in refused.stderr
    assert moved.exit_code == 0, moved.output
    assert "1 shop(s)" in moved.stdout
    assert checked.exit_code == 0, checked.output  # the old key is gone from the list: everything still decrypts
    assert "Connection OK." in checked.stdout
    assert synced.exit_code == 0, synced.output
    async with cli_database.transaction() as session:
        shop = (await session.execute(select(ShopConnection))).scalar_one()
    assert SecretBox(NEW_KEY).decrypt(shop.consumer_secret_encrypted) == KEY.consumer_secret
    assert shop.webhook_secret_encrypted is not None
    assert SecretBox(NEW_KEY).decrypt(shop.webhook_secret_encrypted) == "webhook-secret-of-shop-1"
    with pytest.raises(ValueError, match="cannot be decrypted"):
        SecretBox(TEST_ENCRYPTION_KEY).decrypt(shop.consumer_secret_encrypted)
    assert_no_secret(refused.output, moved.output, checked.output)


async def test_users_may_be_family_administrators(cli: Cli) -> None:
    await cli("families", "create", "Smiths")

    created = await cli("users", "create", "--family", "1", "--email", "steward@example.com", "--name", "Steward",
                        "--role", "family_admin", "--password", "long enough pw")  # fmt: skip
    listed = await cli("users", "list")

    assert created.exit_code == 0, created.output
    assert "(family_admin)" in created.stdout
    assert "family_admin" in listed.stdout
