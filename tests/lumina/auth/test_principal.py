"""The lean principal of the orders reads: a user's deactivation, deletion or new role shows at once when this
process makes the change, and within the user cache's TTL when another process does."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update

from lumina.auth.principal import COMPONENT, Principals, forget_all_users, principals_of
from lumina.auth.tokens import issue_access_token
from lumina.context import ServiceContext
from lumina.db import Database
from lumina.models import RefreshToken, User, UserRole
from tests.lumina.auth.support import SignedIn, login

ORDERS = "/api/v1/orders"
USERS = "/api/v1/admin/users"
GONE = {"error": "Unauthorized", "message": "This account no longer exists or is disabled"}
SESSION_ENDED = {"error": "Unauthorized", "message": "This session has ended; log in again"}


class ManualClock:
    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def disable_elsewhere(database: Database, user_id: int) -> None:
    """What another process (the CLI, another API worker) does: the row changes, this process is not told."""
    async with database.transaction() as session:
        await session.execute(update(User).where(User.id == user_id).values(is_active=False))


async def log_out_elsewhere(database: Database, signed_in: SignedIn) -> None:
    """A logout served by another API worker: the session's refresh tokens are revoked, this process is not told."""
    async with database.transaction() as session:
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.chain_id == signed_in.session_id)
            .values(revoked_at=datetime.now(UTC))
        )


async def test_a_user_disabled_through_the_admin_api_is_refused_at_once(
    client: httpx.AsyncClient, admin: SignedIn, member: SignedIn
) -> None:
    assert (await client.get(ORDERS, headers=member.headers)).status_code == 200  # the principal is now cached

    disabled = await client.patch(f"{USERS}/{member.user.id}", json={"isActive": False}, headers=admin.headers)
    assert disabled.status_code == 200

    refused = await client.get(ORDERS, headers=member.headers)
    assert (refused.status_code, refused.json()) == (401, GONE)
    assert refused.headers["WWW-Authenticate"] == "Bearer"


async def test_a_user_deleted_through_the_admin_api_is_refused_at_once(
    client: httpx.AsyncClient, admin: SignedIn, member: SignedIn
) -> None:
    assert (await client.get(f"{ORDERS}/stats", headers=member.headers)).status_code == 200

    assert (await client.delete(f"{USERS}/{member.user.id}", headers=admin.headers)).status_code == 204

    refused = await client.get(f"{ORDERS}/stats", headers=member.headers)
    assert (refused.status_code, refused.json()) == (401, GONE)


async def test_a_new_role_is_seen_at_once_and_a_reenabled_user_logs_in_again(
    client: httpx.AsyncClient, context: ServiceContext, admin: SignedIn, member: SignedIn
) -> None:
    principals = principals_of(context)
    assert (await principals.resolve(member.access_token)).role is UserRole.MEMBER

    await client.patch(f"{USERS}/{member.user.id}", json={"role": "admin"}, headers=admin.headers)
    assert (await principals.resolve(member.access_token)).role is UserRole.ADMIN

    await client.patch(f"{USERS}/{member.user.id}", json={"isActive": False}, headers=admin.headers)
    assert (await client.get(ORDERS, headers=member.headers)).status_code == 401
    await client.patch(f"{USERS}/{member.user.id}", json={"isActive": True}, headers=admin.headers)
    # Disabling ended the user's sessions: the old token stays refused, a new login gets in.
    assert (await client.get(ORDERS, headers=member.headers)).json() == SESSION_ENDED
    again = (await login(client, member.user.email)).json()
    assert (await client.get(ORDERS, headers={"Authorization": f"Bearer {again['accessToken']}"})).status_code == 200


@pytest.mark.parametrize("elsewhere", ["disable", "log out"])
async def test_a_user_disabled_or_logged_out_by_another_process_is_refused_once_the_ttl_is_over(
    client: httpx.AsyncClient, context: ServiceContext, database: Database, member: SignedIn, elsewhere: str
) -> None:
    clock = ManualClock()
    context.components[COMPONENT] = Principals(database, context.jwt_secret, ttl=5.0, clock=clock)
    assert (await client.get(ORDERS, headers=member.headers)).status_code == 200

    if elsewhere == "disable":
        await disable_elsewhere(database, member.user.id)
    else:
        await log_out_elsewhere(database, member)

    clock.now += 4.9  # what the TTL allows: this process still trusts what it read
    assert (await client.get(ORDERS, headers=member.headers)).status_code == 200
    clock.now += 0.1
    refused = await client.get(ORDERS, headers=member.headers)
    assert (refused.status_code, refused.json()) == (401, GONE if elsewhere == "disable" else SESSION_ENDED)


async def test_the_ttl_comes_from_the_settings(
    client: httpx.AsyncClient, database: Database, context: ServiceContext, member: SignedIn
) -> None:
    context.settings.auth_user_cache_seconds = 0.05
    assert (await client.get(ORDERS, headers=member.headers)).status_code == 200

    await disable_elsewhere(database, member.user.id)
    await asyncio.sleep(0.1)

    assert (await client.get(ORDERS, headers=member.headers)).status_code == 401


async def test_a_remembered_token_is_still_refused_once_it_expires(
    client: httpx.AsyncClient, context: ServiceContext, database: Database, member: SignedIn
) -> None:
    wall = ManualClock(datetime.now(UTC).timestamp())
    context.components[COMPONENT] = Principals(database, context.jwt_secret, ttl=5.0, wall_clock=wall)
    token = issue_access_token(
        context.jwt_secret,
        user_id=member.user.id,
        family_id=member.family.id,
        role="member",
        session_id=member.session_id,
        now=datetime.now(UTC),
        lifetime=timedelta(minutes=15),
    )
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get(ORDERS, headers=headers)).status_code == 200  # verified once, then remembered

    wall.now += 15 * 60 + 1

    expired = await client.get(ORDERS, headers=headers)
    assert (expired.status_code, expired.json()) == (401, {"error": "Unauthorized", "message": "Token has expired"})


async def test_a_token_of_a_user_that_does_not_exist_is_refused(
    client: httpx.AsyncClient, context: ServiceContext, member: SignedIn
) -> None:
    token = issue_access_token(
        context.jwt_secret,
        user_id=member.user.id + 1000,
        family_id=member.family.id,
        role="admin",
        session_id=member.session_id,
        now=datetime.now(UTC),
        lifetime=timedelta(minutes=5),
    )
    refused = await client.get(f"{ORDERS}/stats", headers={"Authorization": f"Bearer {token}"})
    assert (refused.status_code, refused.json()) == (401, GONE)


async def test_a_token_signed_with_another_secret_is_refused_after_a_good_one(
    client: httpx.AsyncClient, member: SignedIn
) -> None:
    assert (await client.get(ORDERS, headers=member.headers)).status_code == 200
    forged = issue_access_token(
        "another-secret-0123456789abcdef0123456789abcdef",
        user_id=member.user.id,
        family_id=member.family.id,
        role="member",
        session_id=member.session_id,
        now=datetime.now(UTC),
        lifetime=timedelta(minutes=5),
    )
    refused = await client.get(ORDERS, headers={"Authorization": f"Bearer {forged}"})
    assert refused.status_code == 401
    assert refused.json()["message"] == "Token signature is invalid"


async def test_forgetting_every_user_takes_effect_when_the_change_commits(
    client: httpx.AsyncClient, context: ServiceContext, database: Database, member: SignedIn
) -> None:
    """What deleting a family (its users go with it, in bulk) calls."""
    clock = ManualClock()
    context.components[COMPONENT] = Principals(database, context.jwt_secret, ttl=5.0, clock=clock)
    assert (await client.get(ORDERS, headers=member.headers)).status_code == 200
    async with database.transaction() as session:
        await session.execute(update(User).where(User.family_id == member.family.id).values(is_active=False))
        forget_all_users(session)
    refused = await client.get(ORDERS, headers=member.headers)
    assert (refused.status_code, refused.json()) == (401, GONE)
