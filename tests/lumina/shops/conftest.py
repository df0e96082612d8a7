from tests.lumina.auth.support import _cheap_password_hashing, admin, member
from tests.lumina.shops.servers import closed_port_url, not_a_shop_url

__all__ = ["_cheap_password_hashing", "admin", "closed_port_url", "member", "not_a_shop_url"]
