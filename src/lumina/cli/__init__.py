"""The `lumina` command line: one typer app, each command group in its own module."""

from __future__ import annotations

import typer

from lumina.cli import accounts, database, runs, serve, shops, sync, webhooks, worker

app = typer.Typer(
    name="lumina",
    help="Lumina order sync: mirrors WooCommerce orders and serves them over a REST API.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve.serve)
app.command("worker")(worker.worker)
app.add_typer(database.app, name="db")
app.add_typer(accounts.families, name="families")
app.add_typer(accounts.users, name="users")
app.add_typer(shops.app, name="shops")
app.command("runs")(runs.runs)
app.add_typer(webhooks.app, name="webhooks")
sync.register(app)


def main() -> None:
    app()
