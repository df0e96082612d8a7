"""Where the suite's own material lives: the real store's recordings under tests/data (see its README), and the
project's README, whose quick-test commands a test runs as written."""

from __future__ import annotations

from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
README = PROJECT / "README.md"
RECORDED = PROJECT / "tests" / "data" / "woocommerce" / "recorded"
