"""`lumina shops`, run in-process against a real SQLite file: no secret is ever printed or logged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from lumina.db import Database
from lumina.kit.crypto import SecretBox
from lumina.models import CachedOrder, Family, ShopConnection
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.factories import create_order
from tests.lumina.cli.conftest import Cli
from woosim import ApiKey, ShopConfig, ShopServer, SimulatedShop

KEY = "ck_Cli-Key-Value-Frob-0099"
SECRET = "cs_Cli-Secret-Value-Nitz-0099"


@pytest.fixture(scope="module")
def shop_url() -> Iterator[str]:
    config = ShopConfig(seed=3, order_count=10, read_write_key=ApiKey(KEY, SECRET, "read_write"))
    with ShopServer(SimulatedShop(config), https=False) as server:
        yield server.base_url


def assert_no_secret(*outputs: str) -> None:
    for output in outputs:
        for secret in (KEY, SECRET, KEY[3:], SECRET[3:]):
            assert secret not in output


async def test_add_list_and_remove_a_shop(cli: Cli, cli_database: Database) -> None:
    added = await cli("shops", "add", "--name", "Corner", "--url", "https://corner.example", "--key", KEY,
                      "--secret", SECRET, "--no-check")  # fmt: skip
    listed = await cli("shops", "list")

    assert added.exit_code == 0, added.output
    assert "Shop 1: Corner" in added.stdout
    assert "…0099" in added.stdout
    assert "Not checked" in added.stdout
    assert '"event": "shop added"' in added.stderr  # the logs are in the output checked below
    assert "https://corner.example" in listed.stdout
    assert "Families:  0" in listed.stdout
    assert_no_secret(added.output, listed.output)
    async with cli_database.transaction() as session:
        shop = (await session.execute(select(ShopConnection))).scalar_one()
    assert SecretBox(TEST_ENCRYPTION_KEY).decrypt(shop.consumer_secret_encrypted) == SECRET

    removed = await cli("shops", "remove", "1", "--yes")
    assert removed.exit_code == 0
    assert "No shops yet" in (await cli("shops", "list")).stdout


async def test_add_and_check_a_real_shop(cli: Cli, shop_url: str) -> None:
    added = await cli("shops", "add", "--name", "Sim", "--url", shop_url, "--key", KEY, "--secret", SECRET)
    checked = await cli("shops", "check", "1")

    assert added.exit_code == 0, added.output
    assert "WooCommerce 10.2.4" in added.stdout
    assert "read/write key" in added.stdout
    assert checked.exit_code == 0
    assert "Connection OK." in checked.stdout
    assert '"event": "shop checked"' in checked.stderr
    assert_no_secret(added.output, checked.output)


async def test_keys_left_out_are_asked_for_hidden(cli: Cli) -> None:
    result = await cli(
        "shops", "add", "--name", "Corner", "--url", "https://corner.example", "--no-check",
        input=f"{KEY}\n{SECRET}\n",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "Consumer key" in result.output
    assert_no_secret(result.output)


async def test_the_check_refuses_what_is_not_a_shop(cli: Cli, not_a_shop_url: str, closed_port_url: str) -> None:
    not_a_shop = await cli("shops", "add", "--name", "Blog", "--url", not_a_shop_url, "--key", KEY, "--secret", SECRET)
    unreachable = await cli(
        "shops", "add", "--name", "Gone", "--url", closed_port_url, "--key", KEY, "--secret", SECRET
    )

    assert not_a_shop.exit_code == 1
    assert "No WordPress REST API at this address" in not_a_shop.stderr
    assert unreachable.exit_code == 1
    assert "Error:" in unreachable.stderr
    assert_no_secret(not_a_shop.output, unreachable.output)
    assert "No shops yet" in (await cli("shops", "list")).stdout


async def test_check_a_saved_shop_again(cli: Cli, closed_port_url: str) -> None:
    await cli(
        "shops", "add", "--name", "Gone", "--url", closed_port_url, "--key", KEY, "--secret", SECRET, "--no-check"
    )

    result = await cli("shops", "check", "1")

    assert result.exit_code == 1
    assert "Error:" in result.stderr
    assert_no_secret(result.output)


async def test_private_addresses_are_refused_unless_allowed(cli: Cli) -> None:
    result = await cli(
        "shops", "add", "--name", "Router", "--url", "http://192.168.1.1", "--key", KEY, "--secret", SECRET,
        ALLOW_PRIVATE_SHOP_URLS="false",
    )  # fmt: skip

    assert result.exit_code == 1
    assert "ALLOW_PRIVATE_SHOP_URLS" in result.stderr


async def test_link_with_a_scope_and_unlink(cli: Cli, cli_database: Database) -> None:
    await cli("families", "create", "Smiths")
    await cli(
        "shops",
        "add",
        "--name",
        "Corner",
        "--url",
        "https://corner.example",
        "--key",
        KEY,
        "--secret",
        SECRET,
        "--no-check",
    )

    linked = await cli(
        "shops", "link", "--family", "1", "--shop", "1", "--customer-id", "12", "--customer-id", "5",
        "--email", "Ann@Example.com",
    )  # fmt: skip
    relinked = await cli("shops", "link", "--family", "1", "--shop", "1")
    links = await cli("shops", "links", "--family", "1")

    assert linked.exit_code == 0, linked.output
    assert "Linked. Family 1 ↔ shop 1: only customers 5, 12; emails ann@example.com" in linked.stdout
    assert "Scope replaced. Family 1 ↔ shop 1: all orders" in relinked.stdout
    assert "Family 1 ↔ shop 1" in links.stdout

    async with cli_database.transaction() as session:
        shop = await session.get(ShopConnection, 1)
        family = await session.get(Family, 1)
        assert shop is not None
        assert family is not None
        await create_order(session, family, shop)

    unlinked = await cli("shops", "unlink", "--family", "1", "--shop", "1")
    again = await cli("shops", "unlink", "--family", "1", "--shop", "1")

    assert unlinked.exit_code == 0
    assert again.exit_code == 1
    assert "not linked" in again.stderr
    async with cli_database.transaction() as session:
        assert (await session.execute(select(CachedOrder))).first() is None


async def test_linking_unknown_ids_fails_clearly(cli: Cli) -> None:
    result = await cli("shops", "link", "--family", "4", "--shop", "2")

    assert result.exit_code == 1
    assert "Family 4 not found" in result.stderr


async def test_the_default_shop_cannot_be_removed(cli: Cli, cli_database: Database) -> None:
    await cli("db", "upgrade")  # creates the database (a command that only reads would not)
    async with cli_database.transaction() as session:
        box = SecretBox(TEST_ENCRYPTION_KEY)
        session.add(
            ShopConnection(
                name="Default shop", url="https://home.example", consumer_key_encrypted=box.encrypt(KEY),
                consumer_secret_encrypted=box.encrypt(SECRET), key_hint="…0099", is_default=True,
            )
        )  # fmt: skip

    result = await cli("shops", "remove", "1", "--yes")

    assert result.exit_code == 1
    assert "WC_STORE_URL" in result.stderr
