"""A login is one session: its refresh tokens rotate one at a time, and when it ends (logout, a replayed refresh
token) its access tokens stop working too, not only its refresh tokens."""

from __future__ import annotations

import asyncio

import httpx

from tests.lumina.auth.support import SignedIn, login

REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/auth/me"
ORDERS = "/api/v1/orders"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _works(client: httpx.AsyncClient, access_token: str) -> bool:
    """Both ways an access token is checked: the lean principal of the reads and the user row of `me`."""
    read = await client.get(ORDERS, headers=_bearer(access_token))
    me = await client.get(ME, headers=_bearer(access_token))
    assert read.status_code == me.status_code, (read.text, me.text)
    return me.status_code == 200


async def test_ten_parallel_refreshes_with_one_token_give_one_pair_and_then_none_survives(
    client: httpx.AsyncClient, member: SignedIn
) -> None:
    answers = await asyncio.gather(
        *(client.post(REFRESH, json={"refreshToken": member.refresh_token}) for _ in range(10))
    )

    winners = [answer.json() for answer in answers if answer.status_code == 200]
    assert len(winners) == 1, [answer.text for answer in answers]
    assert all(answer.status_code == 401 for answer in answers if answer.status_code != 200)
    # The other nine were replays of a spent token: the whole login is over, the winner's new pair included.
    assert (await client.post(REFRESH, json={"refreshToken": winners[0]["refreshToken"]})).status_code == 401
    assert not await _works(client, winners[0]["accessToken"])
    assert not await _works(client, member.access_token)


async def test_logout_ends_the_sessions_access_tokens(client: httpx.AsyncClient, member: SignedIn) -> None:
    other = (await login(client, member.user.email)).json()
    assert await _works(client, member.access_token)  # remembered by the principal cache

    assert (await client.post(LOGOUT, json={"refreshToken": member.refresh_token})).status_code == 204

    assert not await _works(client, member.access_token)
    refused = await client.get(ME, headers=member.headers)
    assert refused.json() == {"error": "Unauthorized", "message": "This session has ended; log in again"}
    assert await _works(client, other["accessToken"])  # another login of the same user goes on


async def test_a_replayed_refresh_token_ends_every_access_token_of_the_login(
    client: httpx.AsyncClient, member: SignedIn
) -> None:
    rotated = (await client.post(REFRESH, json={"refreshToken": member.refresh_token})).json()
    assert await _works(client, rotated["accessToken"])

    replay = await client.post(REFRESH, json={"refreshToken": member.refresh_token})

    assert replay.status_code == 401
    assert not await _works(client, member.access_token)
    assert not await _works(client, rotated["accessToken"])


async def test_rotation_keeps_the_session_and_its_earlier_access_tokens(
    client: httpx.AsyncClient, member: SignedIn
) -> None:
    rotated = (await client.post(REFRESH, json={"refreshToken": member.refresh_token})).json()

    assert await _works(client, rotated["accessToken"])
    assert await _works(client, member.access_token)  # still the same login, until it expires
