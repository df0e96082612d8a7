"""`lumina webhooks`: register, inspect and remove the shops' webhooks (the service keeps them itself when
PUBLIC_URL is set; these commands are for trying it out and for taking them away)."""

from __future__ import annotations

from collections.abc import Callable

import typer

from lumina.cli._common import run_with_context
from lumina.context import ServiceContext
from lumina.webhooks.registration import Registrar, Report
from lumina.webhooks.upkeep import Action, for_each_shop

app = typer.Typer(help="WooCommerce webhooks: deliveries that bring changes in seconds.", no_args_is_help=True)

ShopOption = typer.Option(None, "--shop", help="Only this shop (by id); every shop when left out.")


def _run(action: Action, shop: int | None, *, needs_url: bool) -> dict[int, Report | int | str]:
    async def work(context: ServiceContext) -> dict[int, Report | int | str]:
        if needs_url and not context.settings.public_url:
            typer.secho("PUBLIC_URL is not set: shops cannot reach this service.", fg="red", err=True)
            raise typer.Exit(2)
        return await for_each_shop(context, action, None if shop is None else [shop])

    outcomes = run_with_context(work)
    if not outcomes:
        typer.echo("No shop.")
    return outcomes


def _print(outcomes: dict[int, Report | int | str], describe: Callable[[Report | int], str]) -> None:
    failed = False
    for shop_id, outcome in outcomes.items():
        if isinstance(outcome, str):
            failed = True
            typer.secho(f"Shop {shop_id}: {outcome}", fg="red")
        else:
            typer.echo(f"Shop {shop_id}: {describe(outcome)}")
    if failed:
        raise typer.Exit(1)


def _describe(report: Report | int) -> str:
    assert isinstance(report, Report)
    hooks = ", ".join(f"{topic} {status}" for topic, status in sorted(report.webhooks.items())) or "none"
    return (
        f"{hooks}; delivered to {report.delivery_url}; created {report.created}, re-activated {report.reactivated} "
        f"(in all {report.reactivations_total}), removed {report.removed}, stale {report.stale}"
    )


@app.command("register")
def register(shop: int | None = ShopOption) -> None:
    """Register (or repair) the order webhooks of every shop at PUBLIC_URL."""
    _print(_run(Registrar.ensure, shop, needs_url=True), _describe)


@app.command("status")
def status(shop: int | None = ShopOption) -> None:
    """Show what each shop holds of our webhooks, changing nothing."""
    _print(_run(Registrar.status, shop, needs_url=False), _describe)


@app.command("remove")
def remove(shop: int | None = ShopOption) -> None:
    """Remove our webhooks from every shop and forget their secrets."""
    _print(_run(Registrar.remove, shop, needs_url=False), lambda removed: f"{removed} webhooks removed")
