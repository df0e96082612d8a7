"""SimulatedShop: the whole simulated WooCommerce store, and the control interface tests drive it with."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from woosim.clock import ShopClock
from woosim.config import ApiKey, ShopConfig
from woosim.counts import RequestCounts
from woosim.data.catalog import StoreSettings
from woosim.data.dataset import load_dataset
from woosim.data.generate import GenParams, generate_rows
from woosim.data.model import ANY_STATUSES, OrderRow
from woosim.faults import FaultSet
from woosim.store.notes import NoteBook, render_note
from woosim.store.order_store import OrderStore
from woosim.store.orders import OrderService
from woosim.store.refunds import Refund, RefundBook, render_refund
from woosim.store.render import ROW_ONLY_FIELDS, OrderRenderer, detached
from woosim.store.webhooks import Webhook, WebhookHub
from woosim.wordpress import phpjson
from woosim.wordpress.auth import Authenticator
from woosim.wordpress.errors import WooError
from woosim.wordpress.shoptime import ShopTime

_PLACEHOLDER_HOME = "http://127.0.0.1"


class SimulatedShop:
    """A WooCommerce 10.2.4 store in memory. Thread-safe: servers run in other threads than the tests.

    Every change below moves `date_modified` to the shop clock's current second (as an HPOS store does) and
    queues the webhooks it fires, except `edit_silently`, which models a legacy-storage edit.
    """

    def __init__(self, config: ShopConfig | None = None, *, clock: ShopClock | None = None) -> None:
        self.config = config or ShopConfig()
        self.clock = clock or ShopClock()
        self.time = ShopTime(self.config.timezone)
        self.settings = StoreSettings()
        self.lock = threading.RLock()
        self.faults = FaultSet(self.config.seed)
        self.counts = RequestCounts()
        self.latency = self.config.latency
        self._home_url = self.config.home_url
        anchor = int(self.config.end.timestamp()) if self.config.end else self.clock.epoch()
        self.params = GenParams(
            seed=self.config.seed,
            order_count=self.config.order_count,
            days=self.config.days,
            customers=self.config.customers,
            currencies=tuple(self.config.currencies) or ("USD",),
            anchor=anchor,
            first_id=self.config.first_id,
            wc_version=self.config.wc_version,
            base_location=(self.settings.base_country, self.settings.base_state),
        )
        self.store = self._load()
        self.renderer = OrderRenderer(self.time)
        self.notes = NoteBook(self.store.next_id, self.lock)
        self.refunds = RefundBook(self.lock)
        self.refunds.bulk_load(self._initial_refunds())
        rw, ro = self.config.keys()
        self.read_write_key: ApiKey = rw
        self.read_only_key: ApiKey = ro
        self.auth = Authenticator([rw, ro], self.home_url)
        self.webhooks = WebhookHub(
            now=self.clock.time,
            read_payload=self._webhook_payload,
            source_url=lambda: self.home_url + "/",
            user_agent=f"WooCommerce/{self.config.wc_version} Hookshot (WordPress/{self.config.wp_version})",
            delay=self.config.webhook_delay,
            timeout=self.config.webhook_timeout,
            any_port=self.config.webhook_any_port,
            home_port=urlsplit(self.home_url).port,
        )
        self.orders = OrderService(
            self.store,
            notes=self.notes,
            refunds=self.refunds,
            events=self.webhooks.order_event,
            settings=self.settings,
            params=self.params,
        )

    @classmethod
    def from_dataset(cls, path: str, *, clock: ShopClock | None = None, **overrides: Any) -> SimulatedShop:
        """A shop holding the recorded store's orders (see ShopConfig.from_recorded_dataset)."""
        return cls(ShopConfig.from_recorded_dataset(path, **overrides), clock=clock)

    def _load(self) -> OrderStore:
        if self.config.dataset is not None:
            loaded = load_dataset(self.config.dataset)
            store = OrderStore(loaded.rows, self.lock, None)
            store.set_counters(
                loaded.max_id + 1, loaded.max_item_id + 1, loaded.max_meta_id + 1, loaded.max_item_meta_id + 1
            )
            return store
        rows, next_id = generate_rows(self.params)
        store = OrderStore(rows, self.lock, self.params)
        store.set_counters(next_id, next_id * 16, next_id * 16, next_id * 64)
        return store

    def _initial_refunds(self) -> list[Refund]:
        refunds: list[Refund] = []
        for row in self.store.rows.values():
            if row.doc is not None:
                for n, summary in enumerate(row.doc["refunds"]):
                    refunds.append(Refund(int(summary["id"]), row.id, row.modified - 2 - n))
            elif row.refund_id:
                refunds.append(Refund(row.refund_id, row.id, row.modified - 2))
        return refunds

    # -- URLs and keys -----------------------------------------------------------------------------------
    @property
    def home_url(self) -> str:
        """The shop's home URL: signatures, links and webhook sources are built from it."""
        return self._home_url or _PLACEHOLDER_HOME

    @home_url.setter
    def home_url(self, value: str) -> None:
        self._home_url = value.rstrip("/")
        self.auth.home_url = self._home_url
        self.webhooks.home_port = urlsplit(self._home_url).port

    def bind_home(self, url: str) -> None:
        """Called by the first server that starts: the shop's home is where it is served (unless configured)."""
        if self._home_url is None:
            self.home_url = url

    @property
    def rest_root(self) -> str:
        return self.home_url + "/wp-json"

    def add_key(self, key: ApiKey) -> None:
        self.auth.add_key(key)

    def revoke_key(self, key: ApiKey) -> None:
        """As WooCommerce → Settings → Advanced → REST API → Revoke: requests signed with it are refused from now."""
        self.auth.revoke_key(key.consumer_key)

    # -- requests ----------------------------------------------------------------------------------------
    def set_latency(self, seconds: float) -> None:
        """Response time of every API request: its answer is held until this long after it arrived (asyncio.sleep,
        so concurrent requests overlap), its rendering included."""
        self.latency = max(0.0, float(seconds))

    @property
    def request_counts(self) -> dict[str, int]:
        return self.counts.snapshot()

    def reset_request_counts(self) -> None:
        self.counts.reset()

    # -- reading -----------------------------------------------------------------------------------------
    def render(self, row: OrderRow) -> dict[str, Any]:
        with self.lock:
            data: dict[str, Any] = detached(
                self.renderer.order(row, self.store.doc(row), self.rest_root, self.home_url)
            )
            return data

    def get_order(self, order_id: int) -> dict[str, Any]:
        """The order exactly as GET /orders/{id} renders it (KeyError if it does not exist)."""
        with self.lock:
            return self.render(self.orders.require(order_id))

    def orders_snapshot(
        self, include_trash: bool = True, include_drafts: bool = True, fields: Iterable[str] | None = None
    ) -> dict[int, dict[str, Any]]:
        """The truth: every existing order, rendered as GET /orders/{id} would, by id.

        `fields` keeps only those top-level fields; when they are all row fields (id, status, number, customer_id,
        the created and modified dates) no order document is built, which matters at scale: a full snapshot of
        300,000 orders takes minutes and gigabytes, a row-field one about a second.
        """
        wanted = list(fields) if fields is not None else None
        rows_only = wanted is not None and set(wanted) <= ROW_ONLY_FIELDS
        with self.lock:
            out: dict[int, dict[str, Any]] = {}
            for order_id in sorted(self.store.rows):
                row = self.store.rows[order_id]
                if row.status == "trash" and not include_trash:
                    continue
                if row.status in ("checkout-draft", "auto-draft") and not include_drafts:
                    continue
                if rows_only:
                    data = self.renderer.row_fields(row)
                else:
                    data = self.renderer.order(row, self.store.doc(row), self.rest_root, self.home_url)
                if wanted is not None:
                    data = {name: data[name] for name in data if name in wanted}
                out[order_id] = detached(data)
            return out

    def order_ids(self, statuses: tuple[str, ...] = ANY_STATUSES) -> list[int]:
        with self.lock:
            return sorted(i for i, row in self.store.rows.items() if row.status in statuses)

    @property
    def order_count(self) -> int:
        return len(self.store.rows)

    # -- changing ----------------------------------------------------------------------------------------
    def create_order(self, **overrides: Any) -> dict[str, Any]:
        """A new order created now. Overrides use the REST body's names (status, billing, line_items,
        customer_id, currency, set_paid, meta_data, ...); what they leave out is filled in plausibly."""
        with self.lock:
            try:
                row = self.orders.create(overrides, self.clock.epoch(), randomize=True, status_default="processing")
            except WooError as error:
                raise ValueError(error.message) from error
            return self.render(row)

    def update_order(self, order_id: int, **changes: Any) -> dict[str, Any]:
        """A PUT /orders/{id}: `date_modified` moves to now even when nothing changes."""
        with self.lock:
            row = self.orders.require(order_id)
            self.orders.update(row, changes, self.clock.epoch(), internal=True)
            return self.render(row)

    def edit_silently(self, order_id: int, **changes: Any) -> dict[str, Any]:
        """A legacy-storage edit: the order changes, `date_modified` does not, no webhook fires."""
        with self.lock:
            row = self.orders.require(order_id)
            self.orders.update(row, changes, self.clock.epoch(), touch=False, internal=True)
            return self.render(row)

    def bulk_update(self, order_ids: list[int], **changes: Any) -> list[dict[str, Any]]:
        """The same change to many orders in one second (an admin bulk action)."""
        with self.lock:
            now = self.clock.epoch()
            rows = [self.orders.require(i) for i in order_ids]
            for row in rows:
                self.orders.update(row, changes, now, internal=True)
            return [self.render(row) for row in rows]

    def trash_order(self, order_id: int) -> dict[str, Any]:
        with self.lock:
            row = self.orders.require(order_id)
            if row.status == "trash":
                raise ValueError(f"order {order_id} is already in the trash")
            self.orders.trash(row, self.clock.epoch())
            return self.render(row)

    def restore_order(self, order_id: int) -> dict[str, Any]:
        """Untrash as the admin does (order.restored fires)."""
        with self.lock:
            row = self.orders.require(order_id)
            if row.status != "trash":
                raise ValueError(f"order {order_id} is not in the trash")
            self.orders.restore(row, self.clock.epoch())
            return self.render(row)

    def delete_order(self, order_id: int) -> None:
        """Delete for good (DELETE ?force=true): no webhook, the id is gone."""
        with self.lock:
            self.orders.delete(self.orders.require(order_id))

    def add_refund(self, order_id: int, amount: str | Decimal, reason: str = "") -> dict[str, Any]:
        with self.lock:
            row = self.orders.require(order_id)
            try:
                refund = self.orders.refund(row, Decimal(str(amount)), reason, self.clock.epoch())
            except WooError as error:
                raise ValueError(error.message) from error
            return render_refund(
                refund, self.store.doc(row), self.rest_root, self.time.local, self.time.gmt, with_parent=True
            )

    def add_note(self, order_id: int, note: str, customer_note: bool = False) -> dict[str, Any]:
        """Notes do not move date_modified."""
        with self.lock:
            row = self.orders.require(order_id)
            added = self.notes.add(row.id, note, self.clock.epoch(), customer_note=customer_note)
            return render_note(added, self.rest_root, self.time.local, self.time.gmt)

    # -- webhooks ----------------------------------------------------------------------------------------
    def create_webhook(
        self, topic: str, delivery_url: str, secret: str | None = None, name: str = "", status: str = "active"
    ) -> Webhook:
        """Register a webhook without the HTTP API (no ping is sent)."""
        return self.webhooks.create(name or f"{topic} hook", topic, delivery_url, secret, status)

    def _webhook_payload(self, hook: Webhook, order_id: int) -> bytes:
        """The body of a delivery, read when it is sent: the order as the API shows it now."""
        with self.lock:
            row = self.store.get(order_id)
            if row is None:
                return phpjson.dumps(WooError(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.").body())
            return phpjson.dumps(self.renderer.order(row, self.store.doc(row), self.rest_root, self.home_url))

    def now(self) -> datetime:
        """The shop clock's current second (aware UTC): what `date_modified` of a change made now will say."""
        return datetime.fromtimestamp(self.clock.epoch(), UTC)

    def close(self) -> None:
        self.webhooks.close()

    def __enter__(self) -> SimulatedShop:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
