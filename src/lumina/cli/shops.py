"""`lumina shops`: connect WooCommerce shops and link families to them. Keys are stored encrypted and never shown.

The shop service is imported inside the commands, so that `--help` does not load it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from lumina.cli._common import run_transaction
from lumina.woocommerce.credentials import AuthMode

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from lumina.context import ServiceContext
    from lumina.models import FamilyShop, ShopConnection
    from lumina.shops.service import ShopSummary
    from lumina.woocommerce import ShopInfo

app = typer.Typer(
    help="Shop connections: WooCommerce shops and the families that see their orders.", no_args_is_help=True
)


def describe_shop(shop: ShopConnection) -> list[str]:
    from lumina.shops.schemas import tls_verified

    default = "  (default, from WC_* variables)" if shop.is_default else ""
    lines = [f"Shop {shop.id}: {shop.name}{default}", f"  URL:       {shop.url}"]
    tls = "yes" if tls_verified(shop) else ("no (http://, not encrypted)" if shop.url.startswith("http:") else "NO")
    lines.append(f"  Key:       {shop.key_hint}   auth {shop.auth_mode}   TLS verified: {tls}")
    if shop.check_error is not None and shop.check_failed_at is not None:
        lines.append(f"  Check failed {shop.check_failed_at:%Y-%m-%d %H:%M} UTC: {shop.check_error}")
    if shop.checked_at is None:
        lines.append("  Checked:   never")
    else:
        access = "read/write" if shop.can_write else "read-only"
        lines.append(
            f"  Checked:   {shop.checked_at:%Y-%m-%d %H:%M} UTC, WooCommerce {shop.wc_version or '(version unknown)'}, "
            f"timezone {shop.timezone or 'unknown'}, {access} key"
        )
    return lines


def _ago(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min" if minutes < 2880 else f"{minutes // 1440} days"


def describe_health(summary: ShopSummary) -> list[str]:
    health = summary.health
    own = "" if summary.shop.sync_interval_minutes else " (SYNC_INTERVAL)"
    lines = [f"  Families:  {summary.family_count}   orders mirrored: {health.orders_mirrored}"]
    if health.last_success_at is None or health.lag_seconds is None:
        synced = "never synced successfully"
    else:
        synced = f"last success {health.last_success_at:%Y-%m-%d %H:%M} UTC ({_ago(health.lag_seconds)} ago)"
    running = ", syncing now" if health.syncing else ""
    lines.append(f"  Sync:      every {health.interval_minutes} min{own}, {synced}{running}")
    if health.consecutive_failures:
        lines.append(f"  Failing:   {health.consecutive_failures} time(s) in a row: {health.last_error}")
    if health.next_attempt_at is not None:
        lines.append(f"  Next:      not before {health.next_attempt_at:%Y-%m-%d %H:%M} UTC")
    if health.webhook is not None:
        hooks = health.webhook
        state = "active" if hooks.active else ", ".join(f"{topic} {status}" for topic, status in hooks.topics.items())
        lines.append(f"  Webhooks:  {state}; re-activated {hooks.reactivations} time(s)")
    return lines


def describe_check(info: ShopInfo | None) -> list[str]:
    if info is None:
        return ["  Not checked (--no-check): run `lumina shops check` before relying on it."]
    return [f"  Warning: {warning}" for warning in info.warnings]


def describe_link(link: FamilyShop) -> str:
    if not link.scoped:
        scope = "all orders"
    else:
        parts = [f"customers {', '.join(map(str, link.customer_ids or []))}"] if link.customer_ids else []
        parts += [f"emails {', '.join(link.billing_emails or [])}"] if link.billing_emails else []
        scope = "only " + "; ".join(parts)
    return f"Family {link.family_id} ↔ shop {link.shop_id}: {scope}"


@app.command("add")
def add(  # noqa: PLR0917 - typer passes options by keyword; this is the command's option list
    name: str = typer.Option(..., "--name", help="A name to tell shops apart."),
    url: str = typer.Option(..., "--url", help="The shop's home URL, e.g. https://shop.example"),
    key: str | None = typer.Option(None, "--key", help="Consumer key (ck_…); asked for, hidden, when left out."),
    secret: str | None = typer.Option(None, "--secret", help="Consumer secret (cs_…); asked for when left out."),
    auth_mode: Annotated[
        AuthMode,
        typer.Option("--auth-mode", help="auto: Basic over HTTPS, OAuth 1.0a over HTTP; query: keys in the URL."),
    ] = AuthMode.AUTO,
    check: bool = typer.Option(True, "--check/--no-check", help="Check the URL and key against the shop first."),
    read_only_ok: bool = typer.Option(False, "--read-only-ok", help="Accept a key that cannot change orders."),
    verify_tls: bool = typer.Option(True, "--verify-tls/--no-verify-tls", help="Verify the shop's certificate."),
) -> None:
    """Connect a shop (its credentials are checked, then stored encrypted)."""
    from lumina.shops import service

    given = service.ShopInput(
        name=name,
        url=url,
        consumer_key=key if key is not None else typer.prompt("Consumer key", hide_input=True),
        consumer_secret=secret if secret is not None else typer.prompt("Consumer secret", hide_input=True),
        auth_mode=auth_mode,
        verify_tls=verify_tls,
    )

    async def work(session: AsyncSession, context: ServiceContext) -> list[str]:
        added = await service.add_shop(session, context, given, check=check, allow_read_only=read_only_ok)
        return ["Shop added.", *describe_shop(added.shop), *describe_check(added.info)]

    for line in run_transaction(work, create_database=True):
        typer.echo(line)


@app.command("list")
def list_shops() -> None:
    """List shops with their sync health (keys show only their last characters)."""
    from lumina.shops import service

    async def work(session: AsyncSession, context: ServiceContext) -> list[str]:
        lines: list[str] = []
        for item in await service.list_shops(session, context):
            lines += [*describe_shop(item.shop), *describe_health(item)]
        return lines or ["No shops yet: add one with `lumina shops add`, or set WC_STORE_URL and its keys."]

    for line in run_transaction(work):
        typer.echo(line)


@app.command("check")
def check(shop_id: int = typer.Argument(..., help="The shop's id (see `lumina shops list`).")) -> None:
    """Check a shop's URL and key again and keep what was found."""
    from lumina.shops import service

    async def work(session: AsyncSession, context: ServiceContext) -> list[str]:
        checked = await service.check_shop(session, context, shop_id)
        return ["Connection OK.", *describe_shop(checked.shop), *describe_check(checked.info)]

    for line in run_transaction(work):
        typer.echo(line)


@app.command("update")
def update_shop(  # noqa: PLR0917 - typer passes options by keyword; this is the command's option list
    shop_id: int = typer.Argument(..., help="The shop's id (see `lumina shops list`)."),
    name: str | None = typer.Option(None, "--name", help="A new name."),
    url: str | None = typer.Option(None, "--url", help="A new home URL (refused when it is another store)."),
    new_key: bool = typer.Option(False, "--new-key", help="Rotate the key: the new key and secret are asked for."),
    key: str | None = typer.Option(None, "--key", help="A new consumer key (with --secret); prefer --new-key."),
    secret: str | None = typer.Option(None, "--secret", help="The new key's consumer secret."),
    auth_mode: Annotated[AuthMode | None, typer.Option("--auth-mode", help="A new auth mode.")] = None,
    verify_tls: bool | None = typer.Option(None, "--verify-tls/--no-verify-tls", help="Verify the certificate."),
    interval: int | None = typer.Option(None, "--interval", help="Minutes between this shop's syncs."),
    default_interval: bool = typer.Option(False, "--default-interval", help="Follow SYNC_INTERVAL again."),
    check: bool = typer.Option(True, "--check/--no-check", help="Check a new URL, key or setting first."),
    read_only_ok: bool = typer.Option(False, "--read-only-ok", help="Accept a key that cannot change orders."),
) -> None:
    """Change a shop: name, key, URL, auth mode, TLS verification, interval. Its cached orders stay."""
    from lumina.shops import service, update
    from lumina.shops.update import ShopChanges

    if new_key:
        key = typer.prompt("New consumer key", hide_input=True)
        secret = typer.prompt("New consumer secret", hide_input=True)
    changes = ShopChanges(
        name=name,
        url=url,
        consumer_key=key,
        consumer_secret=secret,
        auth_mode=auth_mode,
        verify_tls=verify_tls,
        sync_interval_minutes=interval,
        interval_given=interval is not None or default_interval,
    )

    async def work(session: AsyncSession, context: ServiceContext) -> list[str]:
        changed = await update.update_shop(
            session, context, shop_id, changes, check=check, allow_read_only=read_only_ok
        )
        summary = await service.shop_summary(session, context, changed.shop)
        checked = describe_check(changed.info) if changes.connection else []
        return ["Shop updated.", *describe_shop(changed.shop), *describe_health(summary), *checked]

    for line in run_transaction(work):
        typer.echo(line)


@app.command("reencrypt")
def reencrypt() -> None:
    """Re-encrypt every shop's stored key and secret with the first key of ENCRYPTION_KEY.

    To rotate the key: set ENCRYPTION_KEY=new,old, run this, then set ENCRYPTION_KEY=new.
    """
    from lumina.shops import keys

    async def work(session: AsyncSession, context: ServiceContext) -> int:
        return await keys.reencrypt_all(session, context.secret_box)

    count = run_transaction(work)
    typer.echo(f"Re-encrypted the credentials of {count} shop(s) with the first key of ENCRYPTION_KEY.")


@app.command("link")
def link(
    family: int = typer.Option(..., "--family", help="The family's id."),
    shop: int = typer.Option(..., "--shop", help="The shop's id."),
    customer_id: Annotated[
        list[int] | None, typer.Option("--customer-id", help="Only this WooCommerce customer (repeatable).")
    ] = None,
    email: Annotated[
        list[str] | None, typer.Option("--email", help="Only orders with this billing email (repeatable).")
    ] = None,
) -> None:
    """Let a family see a shop's orders, optionally only some customers' (linking again replaces the scope)."""
    from lumina.shops import service

    async def work(session: AsyncSession, _context: ServiceContext) -> str:
        row, created = await service.link_family(
            session, family, shop, customer_ids=customer_id or (), billing_emails=email or ()
        )
        return ("Linked. " if created else "Scope replaced. ") + describe_link(row)

    typer.echo(run_transaction(work, create_database=True))


@app.command("unlink")
def unlink(
    family: int = typer.Option(..., "--family", help="The family's id."),
    shop: int = typer.Option(..., "--shop", help="The shop's id."),
) -> None:
    """Stop a family seeing a shop's orders (its copies of them are removed)."""
    from lumina.shops import service

    async def work(session: AsyncSession, _context: ServiceContext) -> None:
        await service.unlink_family(session, family, shop)

    run_transaction(work)
    typer.echo(f"Family {family} unlinked from shop {shop}.")


@app.command("links")
def links(
    family: int | None = typer.Option(None, "--family", help="Only this family's links."),
    shop: int | None = typer.Option(None, "--shop", help="Only this shop's links."),
) -> None:
    """List which families see which shops."""
    from lumina.shops import service

    async def work(session: AsyncSession, _context: ServiceContext) -> list[str]:
        rows = await service.list_links(session, family_id=family, shop_id=shop)
        return [describe_link(row) for row in rows] or ["No links."]

    for line in run_transaction(work):
        typer.echo(line)


@app.command("remove")
def remove(
    shop_id: int = typer.Argument(..., help="The shop's id."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Remove a shop with its links and cached orders."""
    if not yes:
        typer.confirm(f"Remove shop {shop_id} with its links and cached orders?", abort=True)
    from lumina.shops import service

    async def work(session: AsyncSession, _context: ServiceContext) -> None:
        await service.remove_shop(session, shop_id)

    run_transaction(work)
    typer.echo(f"Shop {shop_id} removed.")
