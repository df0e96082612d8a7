"""How one keyset page moves a position, and what the shop's clock lets a position commit (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lumina.sync.cursor import Position, ShopClock, later
from lumina.sync.errors import InconsistentPageError
from lumina.sync.reader import Fetched
from lumina.sync.scanner import OVERLAP, interpret
from tests.lumina.sync.test_writer import BASE, order


def page(*seconds_and_ids: tuple[int, int], full: bool = True, total: int | None = None) -> Fetched:
    orders = [order(order_id, modified=second) for second, order_id in seconds_and_ids]
    return Fetched(orders, total if total is not None else len(orders) + (50 if full else 0), full)


def at(second: int) -> datetime:
    return BASE + timedelta(seconds=second)


def test_a_full_page_advances_to_a_row_before_its_end_and_writes_everything() -> None:
    rows = [(s, 100 + s) for s in range(10)]
    step = interpret(page(*rows), Position(at(0)), None, overlap=OVERLAP)
    pivot = rows[len(rows) - 1 - OVERLAP]
    assert step.position == Position(at(pivot[0]), frozenset({pivot[1]}))
    assert [o.id for o in step.fresh] == [i for _, i in rows]
    assert step.bucket is None


def test_orders_already_taken_at_the_position_second_are_dropped() -> None:
    position = Position(at(5), frozenset({1, 2}))
    step = interpret(page((5, 1), (5, 2), (5, 3), (6, 4), full=False), position, None)
    assert [o.id for o in step.fresh] == [3, 4]
    assert step.position is None  # caught up


def test_a_full_page_within_one_second_asks_for_that_second_to_be_paged_by_id() -> None:
    step = interpret(page(*((7, i) for i in range(1, 6))), Position(at(3)), None)
    assert step.bucket == at(7)


def test_a_page_of_taken_rows_with_a_new_tail_still_moves_on() -> None:
    taken = frozenset(range(1, 8))
    rows = [(5, i) for i in range(1, 8)] + [(9, 50)]
    step = interpret(page(*rows), Position(at(5), taken), None, overlap=OVERLAP)
    assert step.position is not None
    assert step.position.second == at(9)


def test_a_page_outside_the_window_or_out_of_order_is_refused() -> None:
    with pytest.raises(InconsistentPageError):
        interpret(page((1, 1), (9, 2)), Position(at(5)), None)
    with pytest.raises(InconsistentPageError):
        interpret(page((6, 1), (9, 2)), Position(at(5)), at(8))
    with pytest.raises(InconsistentPageError):
        interpret(page((9, 1), (6, 2)), Position(at(5)), None)


def test_a_last_page_missing_a_row_the_shop_counts_is_refused() -> None:
    with pytest.raises(InconsistentPageError):
        interpret(page((6, 1), (7, 2), full=False, total=3), Position(at(5)), None)


def test_a_closed_slice_ends_at_its_end() -> None:
    step = interpret(page((6, 1), full=False), Position(at(5)), at(20))
    assert step.position == Position(at(20))


def test_a_second_commits_only_once_the_shop_clock_has_left_it() -> None:
    clock = ShopClock(margin=timedelta(0))
    clock.observe(at(10), duration=0.2)  # the query ran no earlier than second 9
    assert clock.settled == at(8)
    assert clock.settle(Position(at(8), frozenset({1}))) == Position(at(8), frozenset({1}))
    assert clock.settle(Position(at(9), frozenset({1}))) == Position(at(9))  # everything before 9 only
    assert clock.settle(Position(at(30), frozenset({1}))) == Position(at(9))
    assert clock.caught_up() == Position(at(9))


def test_positions_combine_to_the_further_one() -> None:
    a = Position(at(5), frozenset({1}))
    assert later(a, Position(at(6))) == Position(at(6))
    assert later(a, Position(at(5), frozenset({2}))) == Position(at(5), frozenset({1, 2}))
    assert Position(at(5), frozenset({1})).has(1, at(5))
    assert Position(at(5)).has(1, at(4))
    assert not Position(at(5)).has(1, at(5))
    assert Position.from_json(a.to_json()) == a
    assert a.second.tzinfo is UTC
