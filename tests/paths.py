"""Where the material beside the project lives: ../shared (the seed, the real store's recordings).

Every developer and CI run has it; a run without it is refused at start rather than skipping the conformance
tests, so a moved folder cannot turn them silently off. LUMINA_SHARED_DIR points elsewhere if needed.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LUMINA_SHARED_DIR", PROJECT.parent / "shared")).resolve()
RECORDED = SHARED / "woocommerce" / "recorded"
SEED = SHARED / "seed" / "woocommerce-sync-task.md"
