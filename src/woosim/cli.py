"""`woosim serve`: run a simulated shop, or a fleet of them, on a loopback port for the demo and the benchmarks."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from types import FrameType

from woosim.config import ApiKey, ShopConfig
from woosim.fleet import Fleet
from woosim.http.server import FleetServer, ShopServer
from woosim.shop import SimulatedShop


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="woosim", description="A simulated WooCommerce 10.2.4 shop.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve a simulated shop until interrupted")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8081, help="port (0: any free port)")
    serve.add_argument("--orders", type=int, default=3000, help="number of generated orders")
    serve.add_argument("--seed", type=int, default=1, help="seed of the generated data (a fleet: of its first shop)")
    serve.add_argument(
        "--shops",
        type=int,
        help="serve a fleet of this many shops on one port, shop N below /shop/N/, each its own seed",
    )
    serve.add_argument("--orders-per-shop", type=int, default=100, help="with --shops: orders of each shop")
    serve.add_argument(
        "--manifest", type=Path, help="with --shops: write each shop's URL and keys to this JSON file (mode 0600)"
    )
    serve.add_argument("--days", type=int, default=60, help="days of order history")
    serve.add_argument("--timezone", default="UTC", help="the shop's timezone, e.g. Europe/Berlin")
    serve.add_argument("--currencies", default="USD,EUR", help="comma list; the first is the shop's currency")
    serve.add_argument("--customers", type=int, default=200, help="number of registered customers")
    serve.add_argument("--latency-ms", type=float, default=0.0, help="response time of every request (rendering in it)")
    serve.add_argument(
        "--pregenerate",
        action="store_true",
        help="generate every order's document at start-up instead of when first served (more memory; benchmarks)",
    )
    serve.add_argument("--webhook-delay", type=float, default=1.0, help="seconds before a webhook is delivered")
    serve.add_argument("--https", action="store_true", help="serve HTTPS with a throwaway test CA")
    serve.add_argument("--ca-out", type=Path, help="with --https: write the CA certificate (PEM) here")
    # The environment keeps the keys out of the process list (`ps` shows every argument to every user).
    serve.add_argument(
        "--key",
        default=os.environ.get("WOOSIM_KEY"),
        help="consumer key of the read/write API key (default: $WOOSIM_KEY, else derived from the seed)",
    )
    serve.add_argument(
        "--secret", default=os.environ.get("WOOSIM_SECRET"), help="its consumer secret (default: $WOOSIM_SECRET)"
    )
    serve.add_argument("--dataset", type=Path, help="serve a recorded dataset instead of generated orders")
    serve.add_argument("--home-url", help="the shop's home URL if not the address it listens on")
    return parser


def config_from(args: argparse.Namespace) -> ShopConfig:
    if bool(args.key) != bool(args.secret):
        raise SystemExit("--key and --secret go together")
    config = ShopConfig.from_recorded_dataset(args.dataset) if args.dataset else _generated(args, args.orders)
    config = replace(_as_served(args, config), home_url=args.home_url)
    if args.key:  # else the recorded store's key, or one derived from the seed
        config = replace(config, read_write_key=ApiKey(args.key, args.secret, "read_write"))
    return config


def fleet_from(args: argparse.Namespace) -> Fleet:
    if args.shops < 1:
        raise SystemExit("--shops must be at least 1")
    if args.key or args.dataset or args.home_url:
        raise SystemExit(
            "--shops serves generated shops with keys derived from their seeds: no --key, --dataset or --home-url"
        )
    return Fleet(args.shops, _as_served(args, _generated(args, args.orders_per_shop)), first_seed=args.seed)


def _generated(args: argparse.Namespace, orders: int) -> ShopConfig:
    return ShopConfig(
        seed=args.seed,
        order_count=orders,
        days=args.days,
        timezone=args.timezone,
        currencies=tuple(c.strip().upper() for c in args.currencies.split(",") if c.strip()),
        customers=args.customers,
    )


def _as_served(args: argparse.Namespace, config: ShopConfig) -> ShopConfig:
    return replace(config, latency=args.latency_ms / 1000.0, webhook_delay=args.webhook_delay)


def serve(args: argparse.Namespace) -> int:
    # Pages are rendered in worker threads while the event loop holds answers until their latency is up: a short
    # switch interval (CPython's default is 5 ms) lets the loop send an answer on time while a page renders.
    sys.setswitchinterval(0.0005)
    stop = _stop_on_signal()
    if args.shops is not None:
        return serve_fleet(args, stop)
    shop = SimulatedShop(config_from(args))
    if args.pregenerate:
        shop.store.materialize_all()
    with shop, ShopServer(shop, https=args.https, host=args.host, port=args.port) as server:
        rw, ro = shop.read_write_key, shop.read_only_key
        lines = [
            f"woosim: {shop.order_count} orders, timezone {shop.time.name}, serving {server.base_url}",
            f"  API:            {server.api_url}",
            f"  control API:    {server.base_url}/__woosim/",
            f"  read/write key: {rw.consumer_key} {rw.consumer_secret}",
            f"  read-only key:  {ro.consumer_key} {ro.consumer_secret}",
        ]
        _announce_and_wait(args, server, lines, stop)
    return 0


def serve_fleet(args: argparse.Namespace, stop: threading.Event) -> int:
    fleet = fleet_from(args)
    if args.pregenerate:
        for number in fleet.numbers():
            fleet.shop(number).store.materialize_all()
    with fleet, FleetServer(fleet, https=args.https, host=args.host, port=args.port) as server:
        lines = [
            f"woosim: {fleet.count} shops of {args.orders_per_shop} orders, serving {server.base_url}",
            f"  shop N:         {server.base_url}/shop/N/ (API below /wp-json/, control API below /__woosim/)",
        ]
        if args.manifest:
            write_manifest(args.manifest, fleet)
            lines.append(f"  manifest:       {args.manifest} (each shop's URL and keys)")
        else:
            for number in fleet.numbers():
                rw, _ = fleet.keys(number)
                lines.append(f"  shop {number}: {fleet.home_url(number)} {rw.consumer_key} {rw.consumer_secret}")
        _announce_and_wait(args, server, lines, stop)
    return 0


def _announce_and_wait(
    args: argparse.Namespace, server: ShopServer | FleetServer, lines: list[str], stop: threading.Event
) -> None:
    if args.https and args.ca_out:
        args.ca_out.write_bytes(server.ca_cert_pem)
        lines.append(f"  test CA:        {args.ca_out}")
    print("\n".join(lines), flush=True)
    stop.wait()


def write_manifest(path: Path, fleet: Fleet) -> None:
    """Each shop's URLs and keys as JSON, readable by its owner only (it holds secrets), replaced at once so that
    a harness never reads half of it."""
    shops = []
    for number in fleet.numbers():
        rw, ro = fleet.keys(number)
        home = fleet.home_url(number)
        shops.append(
            {
                "number": number,
                "url": home,
                "api_url": home + "/wp-json/wc/v3",
                "control_url": home + "/__woosim/",
                "seed": fleet.config(number).seed,
                "consumer_key": rw.consumer_key,
                "consumer_secret": rw.consumer_secret,
                "read_only_key": ro.consumer_key,
                "read_only_secret": ro.consumer_secret,
            }
        )
    partial = path.with_name(path.name + ".partial")
    with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
        json.dump({"base_url": fleet.base_url, "shops": shops}, out, indent=1)
    os.replace(partial, path)


def _stop_on_signal() -> threading.Event:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    return stop


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return 2  # pragma: no cover - argparse enforces a command


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
