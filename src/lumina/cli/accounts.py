"""`lumina families` and `lumina users` (being built)."""

from __future__ import annotations

import typer

families = typer.Typer(help="Families.", no_args_is_help=True)
users = typer.Typer(help="Users.", no_args_is_help=True)
