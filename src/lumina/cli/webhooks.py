"""`lumina webhooks`: register, inspect and remove the shops' webhooks (the service keeps them itself when
PUBLIC_URL is set; these commands are for trying it out and for taking them away).

The webhook machinery is imported inside the commands, so that `--help` does not load it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import typer

from lumina.cli._common import run_with_context

if TYPE_CHECKING:
    from lumina.context import ServiceContext
    from lumina.webhooks.registration import Report
    from lumina.webhooks.upkeep import Action

app = typer.Typer(help="WooCommerce webhooks: deliveries that bring changes in seconds.", no_args_is_help=True)

ShopOption = typer.Option(None, "--shop", help="Only this shop (by id); every shop when left out.")
Outcomes = dict[int, "Report | int | str"]


def _run(action: Callable[[], Action], shop: int | None, *, needs_url: bool) -> Outcomes:
    async def work(context: ServiceContext) -> Outcomes:
        from lumina.webhooks.upkeep import for_each_shop

        if needs_url and not context.settings.public_url:
            typer.secho("PUBLIC_URL is not set: shops cannot reach this service.", fg="red", err=True)
            raise typer.Exit(2)
        return await for_each_shop(context, action(), None if shop is None else [shop])

    outcomes = run_with_context(work)
    if not outcomes:
        typer.echo("No shop.")
    return outcomes


def _print(outcomes: Outcomes, describe: Callable[[Report | int], str]) -> None:
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
    assert not isinstance(report, int)
    hooks = ", ".join(f"{topic} {status}" for topic, status in sorted(report.webhooks.items())) or "none"
    return (
        f"{hooks}; delivered to {report.delivery_url}; created {report.created}, re-activated {report.reactivated} "
        f"(in all {report.reactivations_total}), removed {report.removed}, stale {report.stale}"
    )


def _registrar_method(name: str) -> Callable[[], Action]:
    def method() -> Action:
        from lumina.webhooks.registration import Registrar

        chosen: Action = getattr(Registrar, name)
        return chosen

    return method


@app.command("register")
def register(shop: int | None = ShopOption) -> None:
    """Register (or repair) the order webhooks of every shop at PUBLIC_URL."""
    _print(_run(_registrar_method("ensure"), shop, needs_url=True), _describe)


@app.command("status")
def status(shop: int | None = ShopOption) -> None:
    """Show what each shop holds of our webhooks, changing nothing."""
    _print(_run(_registrar_method("status"), shop, needs_url=False), _describe)


@app.command("remove")
def remove(shop: int | None = ShopOption) -> None:
    """Remove our webhooks from every shop and forget their secrets."""
    _print(_run(_registrar_method("remove"), shop, needs_url=False), lambda removed: f"{removed} webhooks removed")
