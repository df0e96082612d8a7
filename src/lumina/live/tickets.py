"""Single-use, short-lived tickets that open a family's event stream.

A browser's EventSource cannot send an Authorization header, and a bearer token in a URL ends up in access logs
and proxies. So an authenticated POST issues a ticket good for one connection within seconds; the stream's URL
carries only that. The database keeps its SHA-256, so every process can redeem it, once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from lumina.models import EventTicket


@dataclass(frozen=True, slots=True)
class Holder:
    user_id: int
    family_id: int


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode("utf-8")).hexdigest()


async def issue(session: AsyncSession, holder: Holder, *, lifetime: timedelta) -> str:
    now = datetime.now(UTC)
    await session.execute(delete(EventTicket).where(EventTicket.expires_at <= now))
    ticket = secrets.token_urlsafe(32)
    session.add(
        EventTicket(
            token_hash=_digest(ticket), user_id=holder.user_id, family_id=holder.family_id, expires_at=now + lifetime
        )
    )
    return ticket


async def redeem(session: AsyncSession, ticket: str) -> Holder | None:
    """The ticket's holder if it is valid; it is gone afterwards either way."""
    if not ticket or len(ticket) > 200:
        return None
    result = await session.execute(
        delete(EventTicket)
        .where(EventTicket.token_hash == _digest(ticket))
        .returning(EventTicket.user_id, EventTicket.family_id, EventTicket.expires_at)
    )
    row = result.first()
    if row is None or row.expires_at <= datetime.now(UTC):
        return None
    return Holder(row.user_id, row.family_id)
