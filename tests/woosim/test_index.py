"""The bisect-based listing agrees with a plain filter-and-sort over every row (property test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.woosim.conftest import make_shop
from woosim import SimulatedShop
from woosim.data.model import STATUSES
from woosim.store.order_store import OrderQuery

# Its module fixture is costly: under pytest-xdist the module's tests stay together on one worker.
pytestmark = pytest.mark.xdist_group("index")


@pytest.fixture(scope="module")
def shop() -> Iterator[SimulatedShop]:
    with make_shop(order_count=1500, days=20) as simulated:
        ids = simulated.order_ids()
        simulated.bulk_update(ids[100:140], status="completed")  # ties on one second
        yield simulated


@st.composite
def queries(draw: st.DrawFn, start: int, end: int) -> OrderQuery:
    statuses = tuple(draw(st.lists(st.sampled_from(STATUSES), min_size=1, max_size=4, unique=True)))
    orderby = draw(st.sampled_from(["date", "modified", "id"]))
    bound = st.none() | st.integers(start, end)
    query = OrderQuery(
        statuses=statuses,
        orderby=orderby,
        descending=draw(st.booleans()),
        offset=draw(st.integers(0, 1600)),
        limit=draw(st.integers(1, 100)),
    )
    if orderby == "date":
        query.after, query.before = draw(bound), draw(bound)
    elif orderby == "modified":
        query.modified_after, query.modified_before = draw(bound), draw(bound)
    return query


def test_fast_listing_matches_brute_force(shop: SimulatedShop) -> None:
    rows = list(shop.store.rows.values())
    start, end = min(r.created for r in rows) - 10, max(r.modified for r in rows) + 10

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(queries(start, end))
    def check(query: OrderQuery) -> None:
        fast_total, fast_rows = shop.store.query(query)
        query.predicate = lambda row: True  # forces the plain scan
        slow_total, slow_rows = shop.store.query(query)
        assert fast_total == slow_total
        assert [r.id for r in fast_rows] == [r.id for r in slow_rows]

    check()
