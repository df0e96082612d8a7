"""`lumina families` and `lumina users`, run in-process against a real SQLite file."""

from __future__ import annotations

from sqlalchemy import select

from lumina.auth.passwords import verify_password
from lumina.db import Database
from lumina.models import User, UserRole
from tests.lumina.cli.conftest import Cli

PASSWORD = "Plain-Password-Quux-77"


async def test_every_command_has_help(cli: Cli) -> None:
    commands = {
        "families": ["create", "list", "remove"],
        "users": ["create", "list", "set-role", "set-password", "disable", "enable", "remove"],
        "shops": ["add", "list", "check", "update", "reencrypt", "link", "unlink", "links", "remove"],
    }
    for group, names in commands.items():
        result = await cli(group, "--help")
        assert result.exit_code == 0, group
        for name in names:
            result = await cli(group, name, "--help")
            assert result.exit_code == 0, (group, name)
            assert "Usage" in result.output


async def test_create_and_list_families(cli: Cli) -> None:
    created = await cli("families", "create", "The Smiths")
    await cli("families", "create", "The Joneses")
    listed = await cli("families", "list")

    assert created.exit_code == 0
    assert "Family 1 created: The Smiths (shops: none)" in created.stdout
    assert listed.exit_code == 0
    assert "The Smiths" in listed.stdout
    assert "The Joneses" in listed.stdout


async def test_create_users_and_change_their_role(cli: Cli, cli_database: Database) -> None:
    await cli("families", "create", "Smiths")

    created = await cli(
        "users", "create", "--family", "1", "--email", "Ann@Example.com", "--name", "Ann", "--password", PASSWORD
    )
    promoted = await cli("users", "set-role", "ann@example.com", "admin")
    listed = await cli("users", "list", "--family", "1")

    assert created.exit_code == 0, created.output
    assert "User 1 created: ann@example.com (member) in family 1" in created.stdout
    assert promoted.exit_code == 0
    assert "admin" in promoted.stdout
    assert "ann@example.com" in listed.stdout
    async with cli_database.transaction() as session:
        user = (await session.execute(select(User))).scalar_one()
    assert user.role is UserRole.ADMIN
    assert verify_password(user.password_hash, PASSWORD)
    for result in (created, promoted, listed):
        assert PASSWORD not in result.output
        assert "argon2" not in result.output


async def test_a_password_left_out_is_asked_for_hidden_and_confirmed(cli: Cli, cli_database: Database) -> None:
    await cli("families", "create", "Smiths")

    result = await cli(
        "users", "create", "--family", "1", "--email", "bo@example.com", "--name", "Bo", "--role", "admin",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "Password" in result.output
    assert "Repeat for confirmation" in result.output
    assert PASSWORD not in result.output
    async with cli_database.transaction() as session:
        user = (await session.execute(select(User))).scalar_one()
    assert user.role is UserRole.ADMIN
    assert verify_password(user.password_hash, PASSWORD)


async def test_refusals_exit_non_zero_with_a_clear_message(cli: Cli) -> None:
    await cli("families", "create", "Smiths")
    args = ["users", "create", "--family", "1", "--name", "Ann", "--password", PASSWORD]
    await cli(*args, "--email", "ann@example.com")

    duplicate = await cli(*args, "--email", "ANN@example.com")
    no_family = await cli(
        "users", "create", "--family", "9", "--email", "x@example.com", "--name", "X", "--password", PASSWORD
    )
    short = await cli(
        "users", "create", "--family", "1", "--email", "y@example.com", "--name", "Y", "--password", "short"
    )
    bad_email = await cli(*args[:-2], "--password", PASSWORD, "--email", "not-an-email")
    bad_role = await cli("users", "set-role", "ann@example.com", "boss")
    no_user = await cli("users", "set-role", "nobody@example.com", "admin")

    assert duplicate.exit_code == 1
    assert "Error: A user with the email ann@example.com already exists" in duplicate.stderr
    assert no_family.exit_code == 1
    assert "Family 9 not found" in no_family.stderr
    assert short.exit_code == 1
    assert "at least 8 characters" in short.stderr
    assert bad_email.exit_code == 1
    assert "Invalid email address" in bad_email.stderr
    assert bad_role.exit_code == 2  # a usage error, from the choices
    assert no_user.exit_code == 1
    assert "No user with the email nobody@example.com" in no_user.stderr


async def test_the_last_admin_stays(cli: Cli) -> None:
    await cli("families", "create", "Smiths")
    await cli(
        "users",
        "create",
        "--family",
        "1",
        "--email",
        "a@example.com",
        "--name",
        "A",
        "--role",
        "admin",
        "--password",
        PASSWORD,
    )

    demoted = await cli("users", "set-role", "1", "member")
    disabled = await cli("users", "disable", "a@example.com")

    assert demoted.exit_code == disabled.exit_code == 1
    assert "last active administrator" in demoted.stderr


async def test_remove_a_family_after_confirmation(cli: Cli) -> None:
    await cli("families", "create", "Smiths")

    declined = await cli("families", "remove", "1", input="n\n")
    listed = await cli("families", "list")
    removed = await cli("families", "remove", "1", "--yes")

    assert declined.exit_code == 1  # aborted
    assert "Smiths" in listed.stdout
    assert removed.exit_code == 0
    assert "No families yet" in (await cli("families", "list")).stdout
