"""`lumina shops` (being built)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Shop connections.", no_args_is_help=True)
