from tests.lumina.sync.conftest import settings, shop_server, woo_shop

__all__ = ["settings", "shop_server", "woo_shop"]
