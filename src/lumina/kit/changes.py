"""A process-local announcement that some families' data changed, so that caches in this process drop it at once.

Domain-free on purpose: a writer names the family ids whose rows it changed, and whoever keeps copies of those
rows (the orders API's read cache) listens. Only this process hears it; copies held by other processes rely on
their own short expiry. Announce after the change is committed, never before: a reader that refilled a cache
between the announcement and the commit would keep the old rows. `family_data_changed_on_commit` does that for a
writer that runs inside a unit of work it does not commit itself.

Listeners are held weakly (a bound method lives as long as its object), so a cache dropped with its service
stops listening without unsubscribing.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from inspect import ismethod
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from lumina.kit.loop_thread import deliver

# Called with the family ids whose data changed, or None when every family's may have.
FamilyListener = Callable[[frozenset[int] | None], None]

_listeners: list[weakref.ref[Any]] = []


def on_family_data_changed(listener: FamilyListener) -> None:
    """Call `listener` on every announcement made in this process while its owner is alive."""
    reference: weakref.ref[Any] = weakref.WeakMethod(listener) if ismethod(listener) else weakref.ref(listener)
    _listeners.append(reference)


def _announce(family_ids: frozenset[int] | None) -> None:
    deliver(_tell_listeners, family_ids)  # from the sync's own thread, on the requests' loop (the caches' own)


def _tell_listeners(family_ids: frozenset[int] | None) -> None:
    alive: list[FamilyListener] = []
    for reference in list(_listeners):
        listener = reference()
        if listener is None:
            _listeners.remove(reference)
        else:
            alive.append(listener)
    for listener in alive:
        listener(family_ids)


def family_data_changed(family_ids: Iterable[int]) -> None:
    """These families' data changed and the change is committed."""
    changed = frozenset(family_ids)
    if changed:
        _announce(changed)


def all_family_data_changed() -> None:
    """Any family's data may have changed (a run over every shop); committed."""
    _announce(None)


def family_data_changed_on_commit(session: AsyncSession, family_ids: Iterable[int]) -> None:
    """Announce these families once the session's transaction commits; nothing if it rolls back."""
    changed = frozenset(family_ids)
    if changed:
        event.listen(session.sync_session, "after_commit", lambda _session: _announce(changed), once=True)
