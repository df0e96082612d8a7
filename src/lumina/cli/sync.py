"""`lumina sync` and `lumina cleanup` (being built)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the sync commands to the main app."""
