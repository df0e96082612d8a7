"""What the simulated store sells and where it ships: the recorded store's catalogue, taxes and coupons.

Mirroring the real test store keeps generated orders and the recorded dataset alike (same products, SKUs,
tax rates and coupon codes), so a client tested on one meets the same shapes on the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Product:
    product_id: int
    name: str
    sku: str
    price: Decimal
    variation_id: int = 0
    parent_name: str | None = None
    attribute: tuple[str, str, str] | None = None  # (meta key, value, display key) of a variation
    manage_stock: bool = False
    virtual: bool = False

    @property
    def image_id(self) -> int | str:
        # A simple product without an image reports "", a variation 0 (as the recorded store does).
        return 0 if self.variation_id else ""


def _p(pid: int, name: str, sku: str, price: str, *, stock: bool = False, virtual: bool = False) -> Product:
    return Product(pid, name, sku, Decimal(price), manage_stock=stock, virtual=virtual)


def _v(vid: int, size: str, price: str) -> Product:
    return Product(
        27, f"Logo T-Shirt - {size}", f"MER-TSHIRT-{size}", Decimal(price), vid, "Logo T-Shirt", ("size", size, "Size")
    )


PRODUCTS: tuple[Product, ...] = (
    _p(10, "Ethiopia Yirgacheffe Whole Bean 340g", "COF-ETH-340", "18.50", stock=True),
    _p(11, "Colombia Huila Whole Bean 340g", "COF-COL-340", "16.00", stock=True),
    _p(12, "House Espresso Blend 1kg", "COF-ESP-1000", "39.90", stock=True),
    _p(13, "Decaf Swiss Water 340g", "COF-DEC-340", "17.25"),
    _p(14, "Kenya AA Peaberry 250g", "COF-KEN-250", "21.00", stock=True),
    _p(15, "Sencha Green Tea 100g", "TEA-SEN-100", "12.00"),
    _p(16, "Earl Grey Loose Leaf 100g", "TEA-EGR-100", "9.75"),
    _p(17, "Masala Chai 200g", "TEA-CHA-200", "14.40"),
    _p(18, "Pour-Over Dripper V60 Ceramic", "GEAR-V60-02", "29.00", stock=True),
    _p(19, "Paper Filters 100-pack", "GEAR-FLT-100", "6.99"),
    _p(20, "Gooseneck Kettle 1L", "GEAR-KTL-1L", "64.00", stock=True),
    _p(21, "Burr Grinder Manual", "GEAR-GRD-MAN", "89.00", stock=True),
    _p(22, "French Press 8 cup", "GEAR-FP-8", "34.50"),
    _p(23, 'Enamel Mug "Good Morning"', "MER-MUG-ENM", "15.00"),
    _p(24, "Tote Bag \u2013 Organic Cotton", "MER-TOTE-01", "19.99"),
    _p(25, "Gift Card $25", "GIFT-25", "25.00"),
    _p(26, "Gift Card $50", "GIFT-50", "50.00"),
    _v(28, "S", "24.00"),
    _v(29, "M", "24.00"),
    _v(30, "L", "24.00"),
    _v(31, "XL", "26.00"),
)


def find_product(product_id: int, variation_id: int = 0) -> Product | None:
    for product in PRODUCTS:
        if product.variation_id and variation_id and product.variation_id == variation_id:
            return product
        if product.product_id == product_id and product.variation_id == variation_id:
            return product
    if variation_id == 0:
        # A variable product ordered without a variation falls back to its first variation.
        for product in PRODUCTS:
            if product.product_id == product_id:
                return product
    return None


@dataclass(frozen=True)
class TaxRate:
    rate_id: int
    country: str
    state: str
    rate_code: str
    label: str
    percent: Decimal
    shipping: bool = True

    @property
    def rate_percent(self) -> int | float:
        return int(self.percent) if self.percent == self.percent.to_integral_value() else float(self.percent)


TAX_RATES: tuple[TaxRate, ...] = (
    TaxRate(1, "US", "NY", "US-NY-NY STATE+CITY TAX-1", "NY State+City Tax", Decimal("8.875")),
    TaxRate(2, "US", "CA", "US-CA-CA SALES TAX-1", "CA Sales Tax", Decimal("7.25")),
    TaxRate(3, "US", "NJ", "US-NJ-NJ SALES TAX-1", "NJ Sales Tax", Decimal("6.625")),
    TaxRate(4, "DE", "", "DE-MWST-1", "MwSt", Decimal("19")),
    TaxRate(5, "GB", "", "GB-VAT-1", "VAT", Decimal("20")),
)


def tax_rate_for(country: str, state: str, base: tuple[str, str]) -> TaxRate | None:
    """The rate for a billing address; an order without an address is taxed at the store's base location."""
    if not country:
        country, state = base
    for rate in TAX_RATES:
        if rate.country == country and (rate.state in ("", state)):
            return rate
    return None


@dataclass(frozen=True)
class Coupon:
    coupon_id: int
    code: str
    discount_type: str  # percent | fixed_cart
    amount: Decimal
    minimum_spend: Decimal = Decimal(0)

    @property
    def info(self) -> str:
        kind = "null" if self.discount_type == "fixed_cart" else f'"{self.discount_type}"'
        amount = int(self.amount) if self.amount == self.amount.to_integral_value() else float(self.amount)
        return f'[{self.coupon_id},"{self.code}",{kind},{amount}]'


COUPONS: dict[str, Coupon] = {
    "welcome10": Coupon(32, "welcome10", "percent", Decimal(10)),
    "save5": Coupon(33, "save5", "fixed_cart", Decimal(5), minimum_spend=Decimal(20)),
    "bf-2026": Coupon(35, "bf-2026", "percent", Decimal(25)),
}


@dataclass(frozen=True)
class ShippingMethod:
    method_id: str
    title: str
    cost: Decimal


SHIPPING_METHODS: tuple[ShippingMethod, ...] = (
    ShippingMethod("flat_rate", "Flat rate", Decimal("5.95")),
    ShippingMethod("free_shipping", "Free shipping", Decimal(0)),
    ShippingMethod("local_pickup", "Local pickup", Decimal(0)),
)

PAYMENT_METHODS: tuple[tuple[str, str, int], ...] = (
    ("stripe", "Credit Card (Stripe)", 55),
    ("bacs", "Direct bank transfer", 17),
    ("ppcp-gateway", "PayPal", 15),
    ("cheque", "Check payments", 7),
    ("cod", "Cash on delivery", 6),
)
OFFLINE_PAYMENT = frozenset({"bacs", "cheque"})

FEES: tuple[tuple[str, Decimal, bool], ...] = (
    ("Rush handling", Decimal("7.00"), True),
    ("Gift wrapping", Decimal("4.50"), False),
    ("Loyalty discount", Decimal("-3.00"), False),
)

CURRENCY_SYMBOLS: dict[str, str] = {
    "USD": "$",
    "EUR": "\u20ac",
    "GBP": "\u00a3",
    "CAD": "$",
    "AUD": "$",
    "JPY": "\u00a5",
    "CHF": "CHF",
    "SEK": "kr",
    "PLN": "z\u0142",
}


@dataclass(frozen=True)
class Address:
    address_1: str
    city: str
    state: str
    postcode: str
    country: str


ADDRESSES: tuple[Address, ...] = (
    Address("123 W 34th St", "New York", "NY", "10001", "US"),
    Address("45 Court St Apt 3B", "Brooklyn", "NY", "11201", "US"),
    Address("600 Main St", "Buffalo", "NY", "14202", "US"),
    Address("1 Market St", "San Francisco", "CA", "94103", "US"),
    Address("200 N Spring St", "Los Angeles", "CA", "90012", "US"),
    Address("94 Washington St", "Hoboken", "NJ", "07030", "US"),
    Address("233 S Wacker Dr", "Chicago", "IL", "60601", "US"),
    Address("301 Congress Ave", "Austin", "TX", "78701", "US"),
    Address("400 Pine St", "Seattle", "WA", "98101", "US"),
    Address("100 Queen St W", "Toronto", "ON", "M5H 2N2", "CA"),
    Address("Friedrichstra\u00dfe 43", "Berlin", "", "10117", "DE"),
    Address("10 Downing Street", "London", "", "SW1A 1AA", "GB"),
)

FIRST_NAMES: tuple[str, ...] = (
    "Aaliyah",
    "Alex",
    "Amelia",
    "Ava",
    "Avery",
    "Casey",
    "Chlo\u00e9",
    "Dmitri",
    "Elijah",
    "Ethan",
    "Ezra",
    "Grace",
    "Harper",
    "Hazel",
    "Henry",
    "Hiro",
    "Ines",
    "Isabella",
    "James",
    "Jamie",
    "Jordan",
    "Jos\u00e9",
    "Liam",
    "Lucas",
    "Mason",
    "Mateo",
    "Mia",
    "Morgan",
    "Nora",
    "Olivia",
    "Owen",
    "Priya",
    "Quinn",
    "Ren\u00e9e",
    "Riley",
    "Sam",
    "Siobh\u00e1n",
    "Sophia",
    "S\u00f8ren",
    "Taylor",
    "Wei",
    "Yuki",
    "Zo\u00eb",
    "\u0141ukasz",
)
LAST_NAMES: tuple[str, ...] = (
    "Andersson",
    "Blake",
    "Chen",
    "Cohen",
    "D'Angelo",
    "Davis",
    "Dubois",
    "Frost",
    "Garc\u00eda-P\u00e9rez",
    "Hart",
    "Hern\u00e1ndez",
    "Ivanova",
    "Johnson",
    "Kim",
    "King",
    "Kowalski",
    "Lane",
    "Mart\u00ednez",
    "Miller",
    "Murphy",
    "M\u00fcller",
    "Nov\u00e1k",
    "O'Brien",
    "Okafor",
    "Park",
    "Patel",
    "Reed",
    "Rodriguez",
    "Rossi",
    "Stone",
    "Tanaka",
    "Walker",
    "Williams",
    "Wolfe",
    "Young",
)
COMPANIES: tuple[str, ...] = ("", "", "", "", "", "", "Acme Corp", "Globex LLC")
CUSTOMER_NOTES: tuple[str, ...] = (
    "Please leave at the front desk.",
    "Bitte an der Rezeption abgeben.",
    "Ring twice, the bell is broken",
    "Gift \u2013 don't include the receipt \U0001f381",
    "Grind for French press please",
)
GIFT_MESSAGES: tuple[str, ...] = ("Enjoy \u2615", "Happy birthday!", "Merci beaucoup")
ATTRIBUTION_SOURCES: tuple[str, ...] = ("organic", "utm", "typein", "referral")
STATUS_LABELS: dict[str, str] = {
    "pending": "Pending payment",
    "processing": "Processing",
    "on-hold": "On hold",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "refunded": "Refunded",
    "failed": "Failed",
    "checkout-draft": "Draft",
    "trash": "Trash",
}


@dataclass(frozen=True)
class StoreSettings:
    """Where the store is based: it decides which tax rate an order's address gets (tax_rate_for)."""

    base_country: str = "US"
    base_state: str = "NY"
