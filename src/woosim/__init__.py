"""woosim: a faithful simulated WooCommerce 10.2.4 shop (REST API v3, auth, webhooks, faults) for tests,
benchmarks and demos. It never imports the service it is used to test."""

from woosim.clock import ShopClock
from woosim.config import ApiKey, ShopConfig
from woosim.faults import FaultRule
from woosim.fleet import Fleet
from woosim.http.server import FleetServer, ShopServer
from woosim.shop import SimulatedShop

__all__ = ["ApiKey", "FaultRule", "Fleet", "FleetServer", "ShopClock", "ShopConfig", "ShopServer", "SimulatedShop"]
