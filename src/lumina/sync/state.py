"""A shop's sync state row: the durable scan position, and the lease that makes one process its only writer.

The lease is a row-level compare-and-set that works alike on SQLite and PostgreSQL: `UPDATE ... WHERE the lock is
free, expired or ours`. The holder renews it while it works (a heartbeat), and every transaction of pages it
commits re-checks it first (`fence`): a process that stalled past its lease and was overtaken writes nothing more.
Each write transaction starts with that UPDATE, so SQLite takes its write lock at once rather than upgrading a
read transaction later (which fails outright when another process wrote in between).
"""

from __future__ import annotations

import asyncio
import functools
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import (
    Table,
    bindparam,
    literal,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert, Update

from lumina.db import Database
from lumina.db.handoff import HandOff
from lumina.logging import get_logger
from lumina.models import ShopSyncState
from lumina.sync.cursor import Position, Slice
from lumina.sync.errors import LeaseLostError, NoShopConfiguredError

logger = get_logger("lumina.sync")

DEFAULT_LEASE_TTL = timedelta(seconds=60)
# The table itself, not the mapped class, in the UPDATEs every run makes: an ORM-enabled UPDATE resolves its
# columns again each time, milliseconds of CPU paid by every idle shop in every cycle.
_STATE = cast(Table, ShopSyncState.__table__)
# The state row while the lease is ours: giving the lease up (`releasing`) and renewing it (`_fencing`) set its columns.
_OURS = update(_STATE).where(
    _STATE.c.shop_id == bindparam("lease_shop_id"), _STATE.c.lock_owner == bindparam("lease_owner")
)


@functools.cache
def releasing(columns: tuple[str, ...]) -> Update:
    """Giving the lease up with `columns` of the state row set (bound by their names), built once for each set of
    columns (each run's end sends one). Its SET is stated, not taken from the parameters, so that a statement can
    carry it with others (`Together`)."""
    values = {name: bindparam(name, type_=_STATE.c[name].type) for name in columns}
    return _OURS.values(lock_owner=None, lock_expires_at=None, **values)


@functools.cache
def _fencing(columns: tuple[str, ...]) -> HandOff:
    """Renewing the lease (if still ours) with `columns` of the state row set, built once for each set of columns:
    every page a sync writes sends one."""
    values = {name: bindparam(name, type_=_STATE.c[name].type) for name in ("lock_expires_at", *columns)}
    return HandOff(_OURS.values(**values))


# PostgreSQL: how long taking a lease waits for the state row's lock. A live holder keeps it for one page's commit;
# a holder frozen in the middle of a statement (a lost machine) would keep it, and the taker, for good.
LOCK_WAIT = "2s"
_LOCK_NOT_AVAILABLE = "55P03"
_HELD = {
    "lock_owner": bindparam("owner", type_=_STATE.c.lock_owner.type),
    "lock_expires_at": bindparam("expires", type_=_STATE.c.lock_expires_at.type),
    "last_attempt_at": bindparam("now", type_=_STATE.c.last_attempt_at.type),
}
_NEW_ROW = {"shop_id": bindparam("shop_id", type_=_STATE.c.shop_id.type), "consecutive_failures": literal(0), **_HELD}
# The lease is free: nobody's, expired, or already ours.
_FREE = or_(
    _STATE.c.lock_owner.is_(None),
    _STATE.c.lock_expires_at.is_(None),
    _STATE.c.lock_expires_at < _HELD["last_attempt_at"],
    _STATE.c.lock_owner == _HELD["lock_owner"],
)


def _claim(upsert: postgresql.Insert | sqlite.Insert) -> ReturningInsert[Any]:
    """Taking the lease (see `ShopLease._take`), built once per database: `upsert`'s row inserted, or the lease's
    columns updated when the lease is free, returning the row as taken."""
    held = {name: upsert.excluded[name] for name in _HELD}
    return upsert.on_conflict_do_update(index_elements=["shop_id"], set_=held, where=_FREE).returning(*_STATE.c)


# PostgreSQL's claim bounds its own wait for the row's lock: its row comes from a subquery that sets lock_timeout
# for the rest of its transaction (the claim alone, in a run's `Database.standalone` session), evaluated before the
# row is inserted or its conflict waited for (a volatile function keeps the subquery from being folded away). One
# round trip, not two.
_BOUNDED = select(literal_column(f"set_config('lock_timeout', '{LOCK_WAIT}', true)")).subquery("bounded")
_CLAIM = {
    "postgresql": _claim(
        postgresql.insert(_STATE).from_select(list(_NEW_ROW), select(*_NEW_ROW.values()).select_from(_BOUNDED))
    ),
    "sqlite": _claim(sqlite.insert(_STATE).values(_NEW_ROW)),
}
# The backend whose transaction holds the state row (its xmax), with the lease's expiry as committed.
_ROW_HOLDER = text(
    "SELECT s.lock_expires_at, l.pid FROM shop_sync_state AS s LEFT JOIN pg_locks AS l"
    " ON l.locktype = 'transactionid' AND l.granted AND l.transactionid = s.xmax"
    " WHERE s.shop_id = :shop_id AND l.pid IS DISTINCT FROM pg_backend_pid()"
)


T = TypeVar("T")


class _LockWaitError(Exception):
    """The claim's bounded wait for the state row's lock ran out (only the claim's: the reading that follows it
    fails as any statement does)."""


async def _nothing(_session: AsyncSession, _state: ShopSyncState) -> None:
    return None


def new_owner_id() -> str:
    """Who holds a lease: host, process and a random part (two coordinators in one process differ)."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _process_gone(owner: str | None) -> bool:
    """Whether a lease owner is a process of this host that no longer runs (killed, crashed): its lease need not
    be waited out. Owners on other hosts, or whose state cannot be told, count as alive."""
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname()[:80] or not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, but belongs to someone else
        return False
    return False


def slices_of(state: ShopSyncState) -> list[Slice]:
    """The durable scan: pending closed slices, then the open tail at the cursor (none before the first sync)."""
    slices = [Slice.from_json(item) for item in state.pending_slices or ()]
    if state.cursor_modified is not None:
        slices.append(Slice(Position(state.cursor_modified, frozenset(state.cursor_ids or ())), None))
    return sorted(slices, key=lambda s: (s.end is None, s.position.second))


def slice_values(slices: Sequence[Slice]) -> dict[str, Any]:
    """Column values that store `slices` (the open tail as the cursor, the others as pending slices)."""
    tail = next((s for s in slices if s.open), None)
    pending = [s.to_json() for s in slices if not s.open and not s.done]
    return {
        "cursor_modified": tail.position.second if tail else None,
        "cursor_ids": sorted(tail.position.taken) if tail else None,
        "pending_slices": pending or None,
    }


def tail_position(slices: Sequence[Slice]) -> datetime | None:
    tail = next((s for s in slices if s.open), None)
    return tail.position.second if tail else None


class ShopLease:
    """Exclusive right to sync one shop, held in its `shop_sync_state` row until released or expired."""

    def __init__(self, database: Database, shop_id: int, owner: str, ttl: timedelta = DEFAULT_LEASE_TTL) -> None:
        self.database = database
        self.shop_id = shop_id
        self.owner = owner
        self.ttl = ttl
        self.lost = asyncio.Event()

    def _expiry(self) -> datetime:
        return datetime.now(UTC) + self.ttl

    async def acquire(self) -> bool:
        """Take the lease if it is free or expired, in a transaction of its own."""
        taken, _ = await self.acquire_and(_nothing)
        return taken

    async def acquire_and(self, read: Callable[[AsyncSession, ShopSyncState], Awaitable[T]]) -> tuple[bool, T | None]:
        """Take the lease and, once taken, `read` in the same session, given the state row as the claim left it (not
        attached to the session). The session is `Database.standalone`'s: on PostgreSQL the claim commits as it
        runs, and `read`'s statements each after it; so when `read` fails, the lease is given back. On PostgreSQL
        the claim waits for the state row's lock a bounded time: when it runs out past an expired lease, the
        session still holding the row (a holder frozen mid-statement, its machine lost) is ended, its page rolled
        back, and the claim made again; a live holder's row is answered as held."""
        for attempt in range(2):
            taken = False
            try:
                async with self.database.standalone() as session:
                    try:
                        state = await self._take(session)
                    except DBAPIError as error:
                        if getattr(error.orig, "sqlstate", None) != _LOCK_NOT_AVAILABLE:
                            raise
                        raise _LockWaitError from error  # ends the transaction, which the error aborted
                    if state is None:
                        return False, None
                    taken = True
                    return True, await read(session, state)
            except _LockWaitError:
                pass
            except BaseException:
                if taken:  # on SQLite the transaction's rollback undid the claim: this finds nothing to release
                    async with self.database.standalone() as session:
                        await self.release_in(session)
                raise
            if attempt or not await self._end_expired_holder():
                break
        return False, None

    async def _take(self, session: AsyncSession) -> ShopSyncState | None:
        """Take the lease in the caller's session if it is free or expired, and return the state row as taken
        (None when held); creates the row on a shop's first sync. One statement when the lease is free (an upsert
        whose update has the lease's condition, returning the row: the run reads nothing more of it); the holder is
        read, to see whether it is a dead process of this host, only when it is not. On PostgreSQL the claim's wait
        for the row's lock is bounded (`acquire_and` handles its end)."""
        now = datetime.now(UTC)
        params = {"shop_id": self.shop_id, "owner": self.owner, "expires": now + self.ttl, "now": now}
        try:
            taken = (await session.execute(_CLAIM[session.get_bind().dialect.name], params)).first()
        except IntegrityError as exc:  # the row would refer to a shop that does not exist
            raise NoShopConfiguredError(f"There is no shop with id {self.shop_id}.") from exc
        if taken is not None:
            return ShopSyncState(**taken._mapping)
        holder = await session.scalar(select(_STATE.c.lock_owner).where(_STATE.c.shop_id == self.shop_id))
        if holder is None or not _process_gone(holder):
            return None
        logger.info("taking over the lease of a process that stopped", shop_id=self.shop_id)
        taken = (
            await session.execute(
                update(_STATE)
                .where(_STATE.c.shop_id == self.shop_id, _STATE.c.lock_owner == holder)
                .values(lock_owner=self.owner, lock_expires_at=params["expires"], last_attempt_at=now)
                .returning(*_STATE.c)
            )
        ).first()
        return None if taken is None else ShopSyncState(**taken._mapping)

    async def _end_expired_holder(self) -> bool:
        async with self.database.transaction() as session:
            row = (await session.execute(_ROW_HOLDER, {"shop_id": self.shop_id})).first()
            if (
                row is None
                or row.pid is None
                or row.lock_expires_at is None
                or row.lock_expires_at >= datetime.now(UTC)
            ):
                return False
            logger.warning("ending the database session of a lease holder that stopped mid-statement",
                           shop_id=self.shop_id, backend=row.pid)  # fmt: skip
            return bool(await session.scalar(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": row.pid}))

    async def store(self, session: AsyncSession, state: ShopSyncState, values: dict[str, Any]) -> None:
        """Store `values` in the state row, in the session that took the lease (`state`: the row as taken; only the
        lease's holder writes the row). Only what differs is written; nothing, when nothing does (an unchanged
        shop's run)."""
        changed = {name: value for name, value in values.items() if getattr(state, name) != value}
        if changed:
            await session.execute(update(_STATE).where(_STATE.c.shop_id == self.shop_id).values(**changed))

    async def fence(self, session: AsyncSession, **values: Any) -> None:
        """Update the state row in the caller's transaction, only while we hold the lease; renews it too."""
        changed = await _fencing(tuple(values)).execute(
            session, {**self.held, "lock_expires_at": self._expiry(), **values}
        )
        if changed != 1:
            self.lost.set()
            raise LeaseLostError(f"the lease on shop {self.shop_id} was lost to another process")

    async def renew(self) -> bool:
        try:
            async with self.database.transaction() as session:
                await self.fence(session)
        except LeaseLostError:
            return False
        return True

    async def release_in(self, session: AsyncSession, **values: Any) -> None:
        """Give the lease up (if still ours) in the caller's transaction, storing `values` (columns) with it."""
        await session.execute(releasing(tuple(values)), {**self.held, **values})

    @property
    def held(self) -> dict[str, Any]:
        """The parameters that name this lease in `releasing`'s statement."""
        return {"lease_shop_id": self.shop_id, "lease_owner": self.owner}

    async def heartbeat(self) -> None:
        """Renew every third of the lease's life until cancelled; sets `lost` and returns if it was taken."""
        interval = max(self.ttl.total_seconds() / 3, 0.2)
        while True:
            await asyncio.sleep(interval)
            try:
                renewed = await self.renew()
            except Exception as exc:
                logger.warning("lease renewal failed", shop_id=self.shop_id, error=str(exc)[:200])
                continue
            if not renewed:
                self.lost.set()
                logger.warning("lease lost to another process", shop_id=self.shop_id)
                return


async def load_state(session: AsyncSession, shop_id: int) -> ShopSyncState | None:
    return await session.scalar(select(ShopSyncState).where(ShopSyncState.shop_id == shop_id))
