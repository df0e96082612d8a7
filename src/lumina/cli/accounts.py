"""`lumina families` and `lumina users`: accounts without writing SQL.

Each command is one unit of work: it commits when it succeeds and changes nothing when it fails, and a refusal
(unknown family, duplicate email, the last administrator) exits with status 1 and says why. The services are
imported inside the commands, so that `--help` does not load them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from lumina.auth.roles import UserRole
from lumina.cli._common import run_transaction

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from lumina.context import ServiceContext
    from lumina.models import User

families = typer.Typer(help="Families: the households whose orders Lumina shows.", no_args_is_help=True)
users = typer.Typer(help="Users: who may log in, in which family, with which role.", no_args_is_help=True)
ROLES = "member, family_admin (manages its own family) or admin (the operator)."


def describe_user(user: User) -> str:
    state = "" if user.is_active else "  (disabled)"
    return f"{user.id:>5}  {user.email:<36} {user.name:<24} {user.role.value:<12} family {user.family_id}{state}"


# Families -------------------------------------------------------------------------------------------------------


@families.command("create")
def create_family(
    name: str = typer.Argument(..., help="The family's name, e.g. 'The Smiths'."),
    default_shop: bool = typer.Option(
        True, "--default-shop/--no-default-shop", help="Link the family to the default shop (from WC_* variables)."
    ),
) -> None:
    """Create a family."""
    from lumina.families import service as family_service

    async def work(session: AsyncSession, _context: ServiceContext) -> str:
        family = await family_service.create_family(session, name, link_default_shop=default_shop)
        summary = await family_service.summary(session, family)
        shops = ", ".join(str(shop_id) for shop_id in summary.shop_ids) or "none"
        return f"Family {family.id} created: {family.name} (shops: {shops})"

    typer.echo(run_transaction(work, create_database=True))


@families.command("list")
def list_families() -> None:
    """List families with their number of users and their shops."""
    from lumina.families import service as family_service

    async def work(session: AsyncSession, _context: ServiceContext) -> list[str]:
        lines = []
        for item in await family_service.list_families(session):
            shops = ",".join(str(shop_id) for shop_id in item.shop_ids) or "-"
            lines.append(f"{item.family.id:>5}  {item.family.name:<32} users {item.user_count:<4} shops {shops}")
        return lines or ["No families yet: create one with `lumina families create NAME`."]

    for line in run_transaction(work):
        typer.echo(line)


@families.command("remove")
def remove_family(
    family_id: int = typer.Argument(..., help="The family's id (see `lumina families list`)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Delete a family with its users and cached orders."""
    if not yes:
        typer.confirm(f"Delete family {family_id} with its users and cached orders?", abort=True)
    from lumina.families import service as family_service

    async def work(session: AsyncSession, _context: ServiceContext) -> None:
        await family_service.delete_family(session, family_id)

    run_transaction(work)
    typer.echo(f"Family {family_id} deleted.")


# Users ----------------------------------------------------------------------------------------------------------


def _new_password(given: str | None) -> str:
    if given is not None:
        return given
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@users.command("create")
def create_user(
    family: int = typer.Option(..., "--family", help="The id of the user's family."),
    email: str = typer.Option(..., "--email", help="Login email (case does not matter)."),
    name: str = typer.Option(..., "--name", help="Display name."),
    role: Annotated[
        UserRole,
        typer.Option(
            "--role",
            case_sensitive=False,
            help="member, family_admin (manages its own family) or admin (the operator).",
        ),
    ] = UserRole.MEMBER,
    password: str | None = typer.Option(
        None, "--password", help="The password (asked for, hidden, when left out: safer than the shell history)."
    ),
) -> None:
    """Create a user in a family."""
    from lumina.auth import users as accounts

    secret = _new_password(password)

    async def work(session: AsyncSession, _context: ServiceContext) -> str:
        user = await accounts.create_user(session, family_id=family, email=email, name=name, password=secret, role=role)
        return f"User {user.id} created: {user.email} ({user.role.value}) in family {user.family_id}"

    typer.echo(run_transaction(work, create_database=True))


@users.command("list")
def list_users(family: int | None = typer.Option(None, "--family", help="Only this family's users.")) -> None:
    """List users."""
    from lumina.auth import users as accounts

    async def work(session: AsyncSession, _context: ServiceContext) -> list[str]:
        return [describe_user(user) for user in await accounts.list_users(session, family)] or ["No users."]

    for line in run_transaction(work):
        typer.echo(line)


def _change(
    user_ref: str, *, role: UserRole | None = None, is_active: bool | None = None, password: str | None = None
) -> str:
    from lumina.auth import users as accounts

    changes = accounts.UserChanges(role=role, is_active=is_active, password=password)

    async def work(session: AsyncSession, _context: ServiceContext) -> str:
        user = await accounts.find_user(session, user_ref)
        return describe_user(await accounts.update_user(session, user.id, changes)).strip()

    return run_transaction(work)


@users.command("set-role")
def set_role(
    user: Annotated[str, typer.Argument(help="The user's id or email.")],
    role: Annotated[
        UserRole,
        typer.Argument(
            case_sensitive=False, help="member, family_admin (manages its own family) or admin (the operator)."
        ),
    ],
) -> None:
    """Make a user a member or an admin."""
    typer.echo(_change(user, role=role))


@users.command("set-password")
def set_password(
    user: str = typer.Argument(..., help="The user's id or email."),
    password: str | None = typer.Option(None, "--password", help="The new password (asked for when left out)."),
) -> None:
    """Set a user's password; their sessions end."""
    _change(user, password=_new_password(password))
    typer.echo("Password changed; the user's sessions have ended.")


@users.command("disable")
def disable(user: str = typer.Argument(..., help="The user's id or email.")) -> None:
    """Stop a user from logging in; their sessions end."""
    typer.echo(_change(user, is_active=False))


@users.command("enable")
def enable(user: str = typer.Argument(..., help="The user's id or email.")) -> None:
    """Let a disabled user log in again."""
    typer.echo(_change(user, is_active=True))


@users.command("remove")
def remove_user(
    user: str = typer.Argument(..., help="The user's id or email."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Delete a user."""
    if not yes:
        typer.confirm(f"Delete user {user}?", abort=True)
    from lumina.auth import users as accounts

    async def work(session: AsyncSession, _context: ServiceContext) -> str:
        found = await accounts.find_user(session, user)
        await accounts.delete_user(session, found.id)
        return f"User {found.id} ({found.email}) deleted."

    typer.echo(run_transaction(work))
