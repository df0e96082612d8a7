"""The routes the simulated shop serves, with their table keys (for arguments and Allow) and count kinds."""

from __future__ import annotations

import re

from woosim.http import routes_more as more
from woosim.http import routes_orders as orders
from woosim.http import routes_webhooks as hooks
from woosim.http.rest import Handler, Route, Router

_ID = r"(?P<id>[\d]+)"
_ORDER_ID = r"(?P<order_id>[\d]+)"


def _route(
    path: str, handlers: dict[str, Handler], kinds: dict[str, str], *, public: bool = False, table_key: str = ""
) -> Route:
    """A route matching `path` whole; its key in the recorded index is the same pattern unless `table_key` says."""
    return Route(re.compile(f"^{path}$"), table_key or path, handlers, kinds, public)


def build_router() -> Router:
    update = orders.update_order
    hook_update = hooks.update_webhook
    return Router(
        [
            _route("/", {"GET": more.site_root}, {"*": "index"}, public=True),
            _route("/wc/v3", {"GET": more.wc_index}, {"*": "index"}, public=True),
            _route(
                "/wc/v3/orders",
                {"GET": orders.list_orders, "POST": orders.create_order},
                {"GET": "list_orders", "OPTIONS": "options_orders", "POST": "post_order"},
            ),
            _route(
                "/wc/v3/orders/batch",
                {"POST": orders.batch_orders, "PUT": orders.batch_orders, "PATCH": orders.batch_orders},
                {},
            ),
            _route(
                f"/wc/v3/orders/{_ID}",
                {
                    "GET": orders.get_order,
                    "POST": update,
                    "PUT": update,
                    "PATCH": update,
                    "DELETE": orders.delete_order,
                },
                {
                    "GET": "get_order",
                    "POST": "put_order",
                    "PUT": "put_order",
                    "PATCH": "put_order",
                    "DELETE": "delete_order",
                },
            ),
            _route(
                f"/wc/v3/orders/{_ORDER_ID}/notes",
                {"GET": more.list_notes, "POST": more.create_note},
                {},
            ),
            _route(
                f"/wc/v3/orders/{_ORDER_ID}/notes/{_ID}",
                {"GET": more.get_note},
                {},
            ),
            _route(
                f"/wc/v3/orders/{_ORDER_ID}/refunds",
                {"GET": more.list_order_refunds, "POST": more.create_refund},
                {},
            ),
            _route(
                f"/wc/v3/orders/{_ORDER_ID}/refunds/{_ID}",
                {"GET": more.get_order_refund},
                {},
            ),
            _route("/wc/v3/refunds", {"GET": more.list_all_refunds}, {}),
            _route(
                "/wc/v3/webhooks",
                {"GET": hooks.list_webhooks, "POST": hooks.create_webhook},
                {"*": "webhooks"},
            ),
            _route(
                f"/wc/v3/webhooks/{_ID}",
                {
                    "GET": hooks.get_webhook,
                    "POST": hook_update,
                    "PUT": hook_update,
                    "PATCH": hook_update,
                    "DELETE": hooks.delete_webhook,
                },
                {"*": "webhooks"},
            ),
            _route(
                "/wc/v3/settings/general",
                {"GET": more.settings_general},
                {},
                table_key=r"/wc/v3/settings/(?P<group_id>[\w-]+)",
            ),
            _route("/wp/v2/users/me", {"GET": more.users_me}, {}, public=True),
        ]
    )
