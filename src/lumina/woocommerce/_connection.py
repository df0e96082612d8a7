"""The connection check run when an operator adds a shop: what is wrong, said plainly, without changing data.

Four probes, cheapest first:
1. `GET /wp-json/` without credentials: is this WordPress, is WooCommerce's REST v3 there, the timezone.
2. `GET /wc/v3/orders?per_page=1`: does the key work (and the version that last saved an order).
3. `OPTIONS /wc/v3/orders`: which filters and statuses the shop knows (`modified_after` needs 5.8).
4. `PUT /wc/v3/orders/0` with an empty body: a read/write key gets 400 "Invalid ID", a read-only key 401
   "no write permissions". No order has id 0, so nothing changes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ._http import Requester
from .credentials import AuthMode
from .errors import (
    NotWooCommerceError,
    ShopAddressRefusedError,
    ShopTooOldError,
    WooAuthError,
    WooError,
    WooNotFoundError,
    WooPermanentError,
    WooTransientError,
)
from .models import ShopInfo
from .query import ORDER_STATUSES

__all__ = ["check_connection"]

logger = logging.getLogger("lumina.woocommerce")

_API = "/wp-json/wc/v3"
_INDEX_FIELDS = "name,home,url,timezone_string,gmt_offset,namespaces"
_MODIFIED_AFTER_SINCE = (5, 8)
_DATES_ARE_GMT_SINCE = (5, 4)
_PERMALINKS = (
    "WordPress answers only on ?rest_route= URLs, so pretty permalinks are off, and WooCommerce does not "
    "authenticate API keys without them: enable them in WordPress (Settings → Permalinks, any choice but "
    "'Plain')."
)


@dataclass
class _Findings:
    index: dict[str, Any] | None = None
    version: str | None = None
    shop_time: datetime | None = None
    list_args: dict[str, Any] | None = None
    write_statuses: tuple[str, ...] | None = None
    can_write: bool = False
    warnings: list[str] = field(default_factory=list)


def _version_tuple(version: str | None) -> tuple[int, ...] | None:
    if not version:
        return None
    numbers: list[int] = []
    for part in version.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        if not digits:
            break
        numbers.append(int(digits))
    return tuple(numbers) or None


async def _probe_index(requester: Requester, found: _Findings) -> None:
    quick = min(2, requester.retry.attempts)  # an operator is waiting; do not retry a dead URL for long
    try:
        response = await requester.send(
            "GET", "/wp-json/", [("_fields", _INDEX_FIELDS)], attempts=quick, authenticated=False
        )
    except WooAuthError:
        found.warnings.append("The site's REST index is closed to anonymous visitors; WooCommerce was not "
                              "checked there.")  # fmt: skip
        return
    except ShopAddressRefusedError:
        raise  # nothing was asked: it says nothing about the site
    except WooPermanentError as error:
        await _not_wordpress(requester, error)
        return
    except WooTransientError as error:
        if error.status is not None and 200 <= error.status < 300:  # a web page where JSON belongs
            raise NotWooCommerceError(
                "The address answers /wp-json/ with a web page, not WordPress' REST API",
                status=error.status, request=error.request,
                hint="Check that this is the WordPress site's address. (A firewall challenge page looks the "
                "same: if the site is WordPress, allow-list this server at the firewall or CDN.)",
            ) from None  # fmt: skip
        raise
    data = response.data
    if not isinstance(data, dict) or not isinstance(data.get("namespaces"), list):
        raise NotWooCommerceError(
            "The address answers /wp-json/ with JSON that is not WordPress' REST index",
            request=response.request, hint="Check that this is the WordPress site's address.",
        )  # fmt: skip
    namespaces = [str(n) for n in data["namespaces"]]
    if "wc/v3" not in namespaces:
        if any(n.startswith("wc/v") for n in namespaces):
            raise ShopTooOldError(
                "This shop's WooCommerce has no REST API v3 (it is older than 3.5)",
                request=response.request, hint="Update WooCommerce: the sync needs 5.8 or later.",
            )  # fmt: skip
        raise NotWooCommerceError(
            "This is a WordPress site, but WooCommerce's REST API is not there",
            request=response.request,
            hint="Check that WooCommerce is installed and active on this site.",
        )  # fmt: skip
    found.index = data
    found.shop_time = response.shop_time


async def _not_wordpress(requester: Requester, error: WooError) -> None:
    """/wp-json/ is missing: tell a site without pretty permalinks from one that is not WordPress at all."""
    try:
        response = await requester.send("GET", "/", [("rest_route", "/")], attempts=1, authenticated=False)
    except WooError:
        response = None
    if response is not None and isinstance(response.data, dict) and "namespaces" in response.data:
        raise NotWooCommerceError(
            "WordPress' REST API is only reachable through ?rest_route=", request=error.request, hint=_PERMALINKS
        ) from None
    raise NotWooCommerceError(
        "No WordPress REST API at this address",
        status=error.status, code=error.code, request=error.request,
        hint="Check the shop URL: it should be the WordPress site's home address (where /wp-json/ lives).",
    ) from None  # fmt: skip


def _home_url(found: _Findings) -> str | None:
    home = found.index.get("home") if found.index else None
    return home.rstrip("/") if isinstance(home, str) and home else None


async def _probe_key(requester: Requester, found: _Findings) -> None:
    try:
        response = await requester.send("GET", f"{_API}/orders", [("per_page", "1"), ("_fields", "id,version")])
    except WooAuthError as error:
        home = _home_url(found)
        base_url = requester.auth.base_url
        if "signature" in error.message.lower() and home and home.lower() != base_url.lower():
            # WooCommerce checks OAuth signatures against WordPress' home URL: www or not, http or https.
            error.hint = (
                f"WordPress' home URL is {home}, but the shop URL given is {base_url}: OAuth signatures are "
                "checked against the home URL, so use that as the shop URL."
            )
        raise
    except WooNotFoundError as error:
        raise NotWooCommerceError(
            "The shop has no WooCommerce orders API at this address", status=error.status, code=error.code,
            request=error.request, hint=error.hint,
        ) from None  # fmt: skip
    found.shop_time = response.shop_time or found.shop_time
    orders = response.data if isinstance(response.data, list) else []
    if orders and isinstance(orders[0], dict) and isinstance(orders[0].get("version"), str):
        found.version = orders[0]["version"] or None


async def _probe_schema(requester: Requester, found: _Findings) -> None:
    try:
        response = await requester.send("OPTIONS", f"{_API}/orders")
    except (WooAuthError, WooTransientError):
        raise
    except WooPermanentError as error:
        found.warnings.append(f"The shop would not describe its orders API (OPTIONS answered {error.status}).")
        return
    data = response.data if isinstance(response.data, dict) else {}
    for endpoint in data.get("endpoints") or []:
        if isinstance(endpoint, dict) and "GET" in (endpoint.get("methods") or []):
            args = endpoint.get("args")
            found.list_args = args if isinstance(args, dict) else {}
            break
    schema: dict[str, Any] = data["schema"] if isinstance(data.get("schema"), dict) else {}
    properties = schema.get("properties")
    status = properties.get("status") if isinstance(properties, dict) else None
    if isinstance(status, dict) and isinstance(status.get("enum"), list):
        found.write_statuses = tuple(str(s) for s in status["enum"])


async def _probe_write(requester: Requester, found: _Findings) -> None:
    try:
        await requester.send("PUT", f"{_API}/orders/0", json_body={})
    except WooNotFoundError:
        found.can_write = True  # 400 "Invalid ID": the key got past the write-permission check
    except WooAuthError as error:
        found.warnings.append(f"The key cannot change orders ({error.code}, HTTP {error.status}). {error.hint}")
    except WooPermanentError as error:
        found.warnings.append(
            f"Could not tell whether the key may change orders (a PUT answered {error.status} {error.code})."
        )
    else:
        found.can_write = True


def _statuses(found: _Findings) -> tuple[tuple[str, ...], tuple[str, ...]]:
    listable: tuple[str, ...] = ORDER_STATUSES
    status_arg = (found.list_args or {}).get("status")
    if isinstance(status_arg, dict):
        items = status_arg.get("items") if isinstance(status_arg.get("items"), dict) else status_arg
        if isinstance(items, dict) and isinstance(items.get("enum"), list):
            listable = tuple(str(s) for s in items["enum"] if s not in ("any", "auto-draft"))
    writable = found.write_statuses or tuple(s for s in ORDER_STATUSES if s != "trash")
    writable = tuple(s for s in writable if s != "auto-draft")
    return writable, listable


def _supports(found: _Findings, arg: str, since: tuple[int, int]) -> bool:
    if found.list_args is not None:
        return arg in found.list_args
    version = _version_tuple(found.version)
    if version is not None:
        return version >= since
    found.warnings.append(f"Could not tell whether the shop supports `{arg}`; assuming it does.")
    return True


def _timezone(index: dict[str, Any] | None) -> str | None:
    if not index:
        return None
    name = index.get("timezone_string")
    if isinstance(name, str) and name:
        return name
    offset = index.get("gmt_offset")
    if isinstance(offset, int | float | str):
        try:
            return f"UTC{float(offset):+g}"
        except ValueError:
            return None
    return None


async def check_connection(
    requester: Requester, *, auth_mode: AuthMode, require_write: bool, require_modified_after: bool
) -> ShopInfo:
    found = _Findings()
    await _probe_index(requester, found)
    await _probe_key(requester, found)
    await _probe_schema(requester, found)
    await _probe_write(requester, found)

    base_url = requester.auth.base_url
    home = _home_url(found)
    if home and home.lower() != base_url.lower() and auth_mode in (AuthMode.OAUTH1, AuthMode.OAUTH1_HEADER):
        found.warnings.append(
            f"WordPress' home URL is {home}, not {base_url}: OAuth signatures are checked against the home URL."
        )
    supports_modified_after = _supports(found, "modified_after", _MODIFIED_AFTER_SINCE)
    supports_gmt = _supports(found, "dates_are_gmt", _DATES_ARE_GMT_SINCE)
    if require_modified_after and not (supports_modified_after and supports_gmt):
        found_version = f"found {found.version}" if found.version else "this one is older"
        raise ShopTooOldError(
            "This shop's WooCommerce cannot list orders by modification date (modified_after needs "
            f"WooCommerce 5.8 or later; {found_version})",
            hint="Update WooCommerce on the shop; incremental sync depends on it.",
        )
    if require_write and not found.can_write:
        raise WooAuthError(
            "The API key may read orders but not change them",
            hint="In WooCommerce → Settings → Advanced → REST API, give the key Read/Write permission.",
        )
    writable, listable = _statuses(found)
    name = found.index.get("name") if found.index else None
    info = ShopInfo(
        base_url=base_url,
        auth_mode=auth_mode,
        wc_version=found.version,
        site_name=name if isinstance(name, str) else None,
        home_url=home,
        timezone=_timezone(found.index),
        supports_modified_after=supports_modified_after,
        supports_dates_are_gmt=supports_gmt,
        order_statuses=writable,
        listable_statuses=listable,
        can_write=found.can_write,
        shop_time=found.shop_time,
        warnings=tuple(found.warnings),
    )
    logger.info(
        "shop %s checked: WooCommerce %s, %s, modified_after %s, %s key",
        base_url, info.wc_version or "version unknown", auth_mode.value,
        "supported" if supports_modified_after else "NOT supported", "read/write" if info.can_write else "read-only",
    )  # fmt: skip
    return info
