from collections.abc import Iterator

import pytest

from tests.lumina.jobs.processes import end_leftovers
from tests.lumina.sync.conftest import settings, shop_server, woo_shop

__all__ = ["settings", "shop_server", "woo_shop"]


@pytest.fixture(autouse=True)
def _processes_end_with_their_test() -> Iterator[None]:
    yield
    end_leftovers()
