"""woosim: a faithful simulated WooCommerce 10.2.4 shop (REST API v3, auth, webhooks, faults) for tests,
benchmarks and demos. It never imports the service it is used to test."""

from woosim.clock import ShopClock
from woosim.config import ApiKey, ShopConfig
from woosim.faults import FaultRule
from woosim.http.server import ShopServer
from woosim.shop import SimulatedShop

__all__ = ["ApiKey", "FaultRule", "ShopClock", "ShopConfig", "ShopServer", "SimulatedShop"]
