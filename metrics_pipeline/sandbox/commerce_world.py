"""The sandbox's commerce world: two Shopify shops, their catalogues, customers and orders, and the
first-party pixel events of the visitors whose journeys led (or did not lead) to those orders.

``build_commerce_world(seed)`` returns a ``CommerceWorld`` for 2026-08-03 .. 2026-10-31:

- ``acme-outdoor.myshopify.com`` (client acme-outdoor, workspace northstar, USD, America/New_York,
  pixel site ``px-acme-outdoor``; US sales tax added on top of prices);
- ``citrus-kitchen.myshopify.com`` (client citrus-kitchen, workspace harbor, EUR, Europe/Berlin,
  pixel site ``px-citrus-kitchen``; prices include 7 % VAT).

The catalogue (products, variants, SKUs, prices, unit costs) is a fixed cast; the seed drives the
visitors, their sessions and what they buy. Nothing reads the wall clock: the same seed gives the
same world, and ``write_pixel_exports`` the same bytes.

Every session arrives through one source, encoded in its landing URL's query exactly as the dbt
attribution models expect (see ``SOURCE_KINDS``), with the ad worlds' real ids:

- Google click: ``gclid=<a click_view's gclid of that client's customer and day>&utm_source=google&
  utm_medium=cpc&utm_campaign=<campaign name>&utm_id=<campaign id>``, or the gclid alone;
- Meta click: ``fbclid=<random>&utm_source=facebook&utm_medium=paid_social&utm_campaign=<campaign
  name>&utm_id=<campaign id>&utm_content=<ad id>``, or ``fbclid`` + ``utm_campaign`` (name) only, or
  ``utm_campaign`` (name) alone; only ads that delivered (had clicks) on that day;
- email: ``utm_source=newsletter&utm_medium=email&utm_campaign=<newsletter>``;
- organic search (a google.com referrer, no parameters) and direct (no referrer, no parameters).

A converting session ends with ``checkout_completed`` carrying the checkout token and the order's
total; the Shopify order has the same ``checkoutToken`` and its landing page is that session's
landing URL. Orders without a pixel journey exist too (the pixel blocked, or a draft order typed
in by staff). Orders carry discounts, shipping and taxes; the awkward cases are recorded in
``CommerceAwkwardCases``: a unit cost that changes on 2026-09-20, a partial refund created days
after its order, a cancelled (fully refunded) order, an order of 12 line items (more than one page
of them), a variant without a unit cost, an order that came from a gclid, one pixel event sent
twice (two files, two day folders) and one malformed pixel line. And money as Shopify keeps it:
discount codes and a manual order-level "Goodwill" discount allocated across lines (both in
LineItem.discountAllocations, neither in LineItem.totalDiscountSet), an order edit that removed a
unit (currentQuantity below quantity, nothing refunded), per-line tax lines (inside the price in the
VAT shop), a refund that was not restocked (NO_RESTOCK) and a test order (Order.test).

Time: what the shop's API shows depends on the day it is asked on (``cutoff(shop, as_of)``, the
end of that day in the shop's time zone): orders created later do not exist yet, a refund exists
from its creation on and bumps its order's ``updatedAt``, the cost change shows from its day.
"""

from __future__ import annotations

import gzip
import io
import json
import random
import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from metrics_pipeline.sandbox.google_ads_world import (
    ACME_CUSTOMER_ID,
    CITRUS_CUSTOMER_ID,
    GoogleAdsWorld,
    build_google_ads_world,
)
from metrics_pipeline.sandbox.meta_world import ACME_ACCOUNT_ID, CITRUS_ACCOUNT_ID, MetaWorld, build_meta_world

START = date(2026, 8, 3)
END = date(2026, 10, 31)
DAYS = (END - START).days + 1  # 90
DEFAULT_SEED = 20260803

COST_CHANGE_DAY = date(2026, 9, 20)
REVOKED_ACCESS_TOKEN = "shpat_sandbox_revoked_0000000000"

SOURCE_KINDS = ("google", "meta", "email", "organic", "direct")
EVENT_TYPES = ("page_view", "add_to_cart", "checkout_started", "checkout_completed")
# The flat keys of a pixel line, in the order they are written.
PIXEL_FIELDS = (
    "event_id",
    "site_id",
    "event_type",
    "occurred_at",
    "visitor_id",
    "session_id",
    "page_url",
    "landing_page",
    "referrer",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "utm_id",
    "gclid",
    "fbclid",
    "ttclid",
    "checkout_token",
    "order_value",
    "currency",
    "ip",
    "user_agent",
)
# Meta objectives whose ads send people to the shop's website.
WEB_OBJECTIVES = ("OUTCOME_SALES", "OUTCOME_TRAFFIC", "OUTCOME_LEADS", "OUTCOME_AWARENESS")

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


# --------------------------------------------------------------------------- #
# Public types
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Shop:
    index: int  # 1, 2: the digit the shop's ids carry
    shop_domain: str
    name: str
    client_slug: str
    workspace_slug: str
    currency: str
    timezone: str
    pixel_site_id: str
    storefront_url: str  # where visitors land: https://www.<brand>.<tld>
    connection_id: str
    credentials_env_prefix: str
    access_token: str  # the sandbox token the server accepts for this shop
    google_customer_id: int
    meta_account_id: str
    taxes_included: bool  # EU prices include VAT; US tax is added on top
    # The shop's own app for the client credentials grant (tokens that expire after 24 hours).
    client_id: str = ""
    client_secret: str = ""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Variant:
    shop_domain: str
    product_id: int
    variant_id: int
    inventory_item_id: int
    sku: str | None
    title: str  # "M", "4 Personen", "Default Title"
    price: Decimal
    unit_cost: Decimal | None  # the cost before any change; None: the merchant never entered one


@dataclass(frozen=True)
class Product:
    shop_domain: str
    product_id: int
    title: str
    handle: str
    product_type: str
    vendor: str
    status: str  # ACTIVE | DRAFT | ARCHIVED
    variants: tuple[Variant, ...]


@dataclass(frozen=True)
class CostChange:
    shop_domain: str
    variant_id: int
    sku: str
    old_cost: Decimal
    new_cost: Decimal
    changed_at: datetime  # shop-local; visible from this instant on


@dataclass(frozen=True)
class Customer:
    shop_domain: str
    customer_id: int
    email: str  # as the shop stores it: mixed case sometimes; only ever hashed downstream
    created_at: datetime
    tax_rate: Decimal  # the customer's ship-to sales tax rate (US shop); 0 for the EU shop


@dataclass(frozen=True)
class DiscountAllocation:
    """One discount application's share of a line (LineItem.discountAllocations)."""

    amount: Decimal
    title: str  # the code, or the manual / automatic discount's title
    code_based: bool  # a discount code (FALL10): left out of LineItem.totalDiscountSet by default
    level: str  # LINE | ORDER (DiscountApplicationLevel): ORDER ones are never in totalDiscountSet


@dataclass(frozen=True)
class LineItem:
    line_item_id: int
    product_id: int
    variant_id: int
    sku: str | None
    title: str  # the product's title
    variant_title: str
    quantity: int  # as ordered (LineItem.quantity): an order edit does not change it
    unit_price: Decimal  # originalUnitPrice
    total_discount: Decimal  # every discount allocated to the line: its discountAllocations summed
    discount_allocations: tuple[DiscountAllocation, ...] = ()
    tax: Decimal = ZERO  # the line's taxLines summed (within the price when the shop includes taxes)
    removed_quantity: int = 0  # units an order edit took off the order (not sold, not refunded)

    @property
    def net(self) -> Decimal:
        return self.unit_price * self.quantity - self.total_discount

    @property
    def total_discount_set(self) -> Decimal:
        """LineItem.totalDiscountSet: line-level discounts only, code-based ones left out (the default)."""
        return sum((a.amount for a in self.discount_allocations if a.level == "LINE" and not a.code_based), ZERO)


@dataclass(frozen=True)
class RefundLine:
    line_item_id: int
    quantity: int
    subtotal: Decimal  # tax included when the shop's prices include it
    restock_type: str = "RETURN"  # RefundLineItemRestockType: RETURN | CANCEL | NO_RESTOCK
    tax: Decimal = ZERO  # RefundLineItem.totalTaxSet


@dataclass(frozen=True)
class Refund:
    refund_id: int
    order_id: int
    created_at: datetime
    total_refunded: Decimal  # money returned, tax and shipping included
    lines: tuple[RefundLine, ...]


@dataclass(frozen=True)
class Order:
    shop_domain: str
    order_id: int
    name: str  # "#1001"
    created_at: datetime  # shop-local
    processed_at: datetime
    fulfilled_at: datetime | None
    cancelled_at: datetime | None
    currency: str
    customer_id: int
    email: str
    landing_site: str | None  # the converting session's landing URL; None without a pixel journey
    referring_site: str | None
    source_name: str  # web | shopify_draft_order
    checkout_token: str | None  # None for draft orders
    discount_codes: tuple[str, ...]
    taxes_included: bool
    lines: tuple[LineItem, ...]
    subtotal: Decimal  # line prices after discounts, before shipping and tax
    total_discounts: Decimal
    total_shipping: Decimal
    total_tax: Decimal
    total_price: Decimal
    refunds: tuple[Refund, ...]
    session_id: str | None  # the converting pixel session, if any
    test: bool = False  # placed through the Bogus Gateway: no money changed hands
    edited_at: datetime | None = None  # an order edit removed units (LineItem.removed_quantity)

    def exists(self, cutoff: datetime) -> bool:
        return self.created_at < cutoff

    def refunds_as_of(self, cutoff: datetime) -> tuple[Refund, ...]:
        return tuple(r for r in self.refunds if r.created_at < cutoff)

    def updated_at(self, cutoff: datetime) -> datetime:
        """The last change the shop had seen by `cutoff`: creation, fulfilment, cancellation, refunds."""
        moments = [
            self.created_at,
            self.fulfilled_at,
            self.cancelled_at,
            self.edited_at,
            *(r.created_at for r in self.refunds),
        ]
        return max(m for m in moments if m is not None and m < cutoff)

    def cancelled_as_of(self, cutoff: datetime) -> datetime | None:
        return self.cancelled_at if self.cancelled_at is not None and self.cancelled_at < cutoff else None

    def financial_status(self, cutoff: datetime) -> str:
        refunded = sum((r.total_refunded for r in self.refunds_as_of(cutoff)), ZERO)
        if refunded == 0:
            return "PAID"
        return "REFUNDED" if refunded >= self.total_price else "PARTIALLY_REFUNDED"

    @property
    def gid(self) -> str:
        return f"gid://shopify/Order/{self.order_id}"


@dataclass(frozen=True)
class Session:
    shop_domain: str
    site_id: str
    visitor_id: str
    session_id: str
    started_at: datetime  # shop-local
    source: str  # one of SOURCE_KINDS
    landing_url: str
    referrer: str | None
    params: tuple[tuple[str, str], ...]  # the landing URL's query, in order
    google_click: tuple[int, str] | None = None  # (customer id, gclid) for Google sessions
    meta_ad: tuple[str, str, str] | None = None  # (account id, campaign id, ad id) for full Meta sessions

    def param(self, name: str) -> str | None:
        return dict(self.params).get(name)


@dataclass(frozen=True)
class PixelEvent:
    """One pixel event as written, every value a string (or None) exactly as on the wire."""

    shop_domain: str
    values: tuple[tuple[str, str | None], ...]  # (key, value) in PIXEL_FIELDS order

    def __getitem__(self, key: str) -> str | None:
        return dict(self.values)[key]

    @property
    def event_id(self) -> str:
        return self["event_id"] or ""


@dataclass(frozen=True)
class PixelFile:
    relative_path: str  # pixel/<YYYY-MM-DD>/<site_id>-<n>.jsonl[.gz]
    lines: tuple[str, ...]  # one JSON object per line (and the one malformed line)
    line_ending: str  # "\n" | "\r\n"
    final_newline: str  # what follows the last line: "", "\n", "\n\n" (a blank line) ...

    @property
    def gzipped(self) -> bool:
        return self.relative_path.endswith(".gz")

    def render(self) -> bytes:
        text = self.line_ending.join(self.lines) + self.final_newline.replace("\n", self.line_ending)
        raw = text.encode("utf-8")
        if not self.gzipped:
            return raw
        buffer = io.BytesIO()
        # mtime=0 and no file name: the same bytes on every run.
        with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as handle:
            handle.write(raw)
        return buffer.getvalue()


@dataclass(frozen=True)
class DuplicateEvent:
    event_id: str
    files: tuple[str, str]  # the file of its day, then the next day's file that repeats it


@dataclass(frozen=True)
class MalformedLine:
    relative_path: str
    line_number: int  # 1-based
    text: str


@dataclass(frozen=True)
class CommerceAwkwardCases:
    cost_change: CostChange
    refund: Refund  # partial, created days after its order
    refunded_order_id: int
    cancelled_order_id: int  # cancelled and refunded in full
    gclid_order_id: int  # landed from a Google click with full UTMs
    gclid: str
    large_order_id: int  # 12 line items: more than one page of them
    variant_without_cost: int  # variant id whose unit cost was never entered
    order_discount_order_ids: tuple[int, ...]  # orders with an ORDER-level discount spread over lines
    edited_order_id: int  # an order edit removed a unit of one line (currentQuantity < quantity)
    edited_line_item_id: int
    test_order_id: int  # a test order (Order.test): landed, left out of every figure
    no_restock_refund: Refund  # refunded without restocking: its units' cost stays spent
    duplicate_event: DuplicateEvent
    malformed_line: MalformedLine


# --------------------------------------------------------------------------- #
# The fixed cast
# --------------------------------------------------------------------------- #

SHOPS = (
    Shop(
        index=1,
        shop_domain="acme-outdoor.myshopify.com",
        name="Acme Outdoor",
        client_slug="acme-outdoor",
        workspace_slug="northstar",
        currency="USD",
        timezone="America/New_York",
        pixel_site_id="px-acme-outdoor",
        storefront_url="https://www.acme-outdoor.com",
        connection_id="northstar-shopify",
        credentials_env_prefix="NORTHSTAR_SHOPIFY",
        access_token="shpat_sandbox_northstar_acme_0001",
        google_customer_id=ACME_CUSTOMER_ID,
        meta_account_id=ACME_ACCOUNT_ID,
        taxes_included=False,
        client_id="sandbox-app-northstar-acme",
        client_secret="shpss_sandbox_northstar_acme_0001",
    ),
    Shop(
        index=2,
        shop_domain="citrus-kitchen.myshopify.com",
        name="Citrus Kitchen",
        client_slug="citrus-kitchen",
        workspace_slug="harbor",
        currency="EUR",
        timezone="Europe/Berlin",
        pixel_site_id="px-citrus-kitchen",
        storefront_url="https://www.citrus-kitchen.de",
        connection_id="harbor-shopify",
        credentials_env_prefix="HARBOR_SHOPIFY",
        access_token="shpat_sandbox_harbor_citrus_0002",
        google_customer_id=CITRUS_CUSTOMER_ID,
        meta_account_id=CITRUS_ACCOUNT_ID,
        taxes_included=True,
        client_id="sandbox-app-harbor-citrus",
        client_secret="shpss_sandbox_harbor_citrus_0002",
    ),
)

# (title, product type, sku code, ((variant title, price, unit cost or None), ...))
_CATALOGUE: dict[str, tuple[tuple[str, str, str, tuple[tuple[str, str, str | None], ...]], ...]] = {
    "acme-outdoor.myshopify.com": (
        (
            "Stormline Rain Shell",
            "Jackets",
            "RS",
            (("S", "149.00", "61.40"), ("M", "149.00", "61.40"), ("L", "149.00", "61.40"), ("XL", "159.00", "64.20")),
        ),
        (
            "Summit Down Jacket",
            "Jackets",
            "DJ",
            (("S", "229.00", "98.75"), ("M", "229.00", "98.75"), ("L", "229.00", "98.75")),
        ),
        (
            "Trailhead Hiking Boot",
            "Footwear",
            "HB",
            (
                ("US 8", "179.00", "72.10"),
                ("US 9", "179.00", "72.10"),
                ("US 10", "179.00", "72.10"),
                ("US 11", "179.00", "72.10"),
            ),
        ),
        (
            "Ridge Runner Trail Shoe",
            "Footwear",
            "TS",
            (("US 8", "129.00", "48.30"), ("US 9", "129.00", "48.30"), ("US 10", "129.00", "48.30")),
        ),
        ("Basecamp 2P Tent", "Camping", "TE", (("Default Title", "349.00", "151.20"),)),
        ("Alpine 20F Sleeping Bag", "Camping", "SB", (("Regular", "199.00", "84.00"), ("Long", "219.00", "91.50"))),
        (
            "Merino Crew Base Layer",
            "Apparel",
            "BL",
            (("S", "79.00", "27.90"), ("M", "79.00", "27.90"), ("L", "79.00", "27.90")),
        ),
        ("Packable Day Pack 22L", "Packs", "DP", (("Slate", "69.00", "22.15"), ("Moss", "69.00", "22.15"))),
        ("Insulated Bottle 1L", "Accessories", "IB", (("Default Title", "34.00", "9.80"),)),
        ("Trekking Poles (Pair)", "Accessories", "TP", (("Default Title", "89.00", "31.45"),)),
        ("Wool Hiking Socks 3-Pack", "Apparel", "SO", (("M", "24.00", "7.35"), ("L", "24.00", "7.35"))),
        ("Headlamp 400", "Accessories", "HL", (("Default Title", "44.00", "14.60"),)),
    ),
    "citrus-kitchen.myshopify.com": (
        ("Familienbox", "Kochbox", "FB", (("2 Personen", "49.90", "27.40"), ("4 Personen", "79.90", "43.80"))),
        ("Veggie Box", "Kochbox", "VB", (("2 Personen", "44.90", "23.10"), ("4 Personen", "71.90", "37.20"))),
        ("Pasta Night Box", "Kochbox", "PN", (("2 Personen", "39.90", "19.80"), ("4 Personen", "64.90", "32.40"))),
        ("Herbstmenü Box", "Kochbox", "HM", (("2 Personen", "54.90", "29.95"),)),
        ("Brezn Box", "Specials", "BB", (("Default Title", "24.90", "11.20"),)),
        ("Gewürzset Klassik", "Vorrat", "GK", (("Default Title", "14.90", "4.35"),)),
        ("Olivenöl Extra Vergine 500ml", "Vorrat", "OL", (("Default Title", "12.90", "5.60"),)),
        ("Kochmesser 20cm", "Küche", "KM", (("Default Title", "69.00", "24.80"),)),
        ("Dessert Add-on", "Add-ons", "DA", (("Default Title", "7.90", None),)),  # cost never entered
    ),
}
_VENDORS = {"acme-outdoor.myshopify.com": "Acme Outdoor", "citrus-kitchen.myshopify.com": "Citrus Kitchen"}
_SKU_PREFIX = {"acme-outdoor.myshopify.com": "AO", "citrus-kitchen.myshopify.com": "CK"}
# (shop, product index, variant index) of the variant whose cost rises, and its new cost.
_COST_CHANGE = ("acme-outdoor.myshopify.com", 0, 1, Decimal("64.85"), time(9, 30))

_NEWSLETTERS = {
    "acme-outdoor.myshopify.com": ("fall-gear-guide", "members-early-access", "trail-report"),
    "citrus-kitchen.myshopify.com": ("herbst-rezepte", "wochenmenue", "gutschein-aktion"),
}
_DISCOUNTS = {  # code -> percentage off line prices
    "acme-outdoor.myshopify.com": (("FALL10", Decimal("0.10")), ("WELCOME15", Decimal("0.15"))),
    "citrus-kitchen.myshopify.com": (("HERBST20", Decimal("0.20")), ("ERSTEBOX", Decimal("0.25"))),
}
_ORDER_DISCOUNT = Decimal("10.00")  # a manual discount on the whole order
_ORDER_DISCOUNT_TITLE = "Goodwill"
_US_TAX_RATES = (Decimal("0.06625"), Decimal("0.08875"), Decimal("0.0725"), Decimal("0.06"), Decimal("0"))
_EU_VAT = Decimal("0.07")
_FIRST_NAMES = (
    "anna",
    "ben",
    "carla",
    "david",
    "emma",
    "felix",
    "grace",
    "hannah",
    "ivan",
    "julia",
    "karl",
    "lena",
    "maya",
    "noah",
    "olivia",
    "paul",
    "quinn",
    "rosa",
    "sam",
    "tara",
    "uwe",
    "vera",
    "will",
    "zoe",
)
_LAST_NAMES = (
    "schmidt",
    "miller",
    "garcia",
    "nguyen",
    "keller",
    "smith",
    "weber",
    "johnson",
    "fischer",
    "brown",
    "wagner",
    "lopez",
    "becker",
    "taylor",
    "hoffmann",
    "clark",
)
_EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
_USER_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 "
    "Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Mobile "
    "Safari/537.36",
)
_SOURCE_WEIGHTS = (("google", 32), ("meta", 30), ("email", 12), ("organic", 14), ("direct", 12))


def product_id_for(shop: int, product: int) -> int:
    return 8_000_000_000_000 + shop * 100_000_000 + product * 1_000


def variant_id_for(shop: int, product: int, variant: int) -> int:
    return 45_000_000_000_000 + shop * 100_000_000 + product * 1_000 + variant


def inventory_item_id_for(shop: int, product: int, variant: int) -> int:
    return 47_000_000_000_000 + shop * 100_000_000 + product * 1_000 + variant


def customer_id_for(shop: int, n: int) -> int:
    return 7_000_000_000_000 + shop * 100_000_000 + n


def order_id_for(shop: int, n: int) -> int:
    return 6_000_000_000_000 + shop * 100_000_000 + n * 10


def line_item_id_for(shop: int, order: int, line: int) -> int:
    return 15_000_000_000_000 + shop * 100_000_000 + order * 100 + line


def refund_id_for(shop: int, order: int, refund: int) -> int:
    return 9_000_000_000_000 + shop * 100_000_000 + order * 10 + refund


# --------------------------------------------------------------------------- #
# The world
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class CommerceWorld:
    seed: int
    start: date
    end: date  # inclusive
    shops: tuple[Shop, ...]
    products: tuple[Product, ...]
    customers: tuple[Customer, ...]
    orders: tuple[Order, ...]  # by shop, then created_at
    sessions: tuple[Session, ...]
    events: tuple[PixelEvent, ...]  # every distinct event, by occurred_at
    pixel_files: tuple[PixelFile, ...]
    cost_change: CostChange
    awkward: CommerceAwkwardCases

    # ---- lookups ---------------------------------------------------------- #

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def shop(self, shop_domain: str) -> Shop:
        for shop in self.shops:
            if shop.shop_domain == shop_domain:
                return shop
        raise KeyError(shop_domain)

    def shop_of_client(self, client_slug: str) -> Shop:
        return next(s for s in self.shops if s.client_slug == client_slug)

    @property
    def variants(self) -> tuple[Variant, ...]:
        return tuple(v for p in self.products for v in p.variants)

    def products_of(self, shop_domain: str) -> tuple[Product, ...]:
        return tuple(p for p in self.products if p.shop_domain == shop_domain)

    def variants_of(self, shop_domain: str) -> tuple[Variant, ...]:
        return tuple(v for p in self.products_of(shop_domain) for v in p.variants)

    def customers_of(self, shop_domain: str) -> tuple[Customer, ...]:
        return tuple(c for c in self.customers if c.shop_domain == shop_domain)

    def customer(self, shop_domain: str, customer_id: int) -> Customer:
        return self._customers_by_id[(shop_domain, customer_id)]

    def order(self, shop_domain: str, order_id: int) -> Order:
        return self._orders_by_id[(shop_domain, order_id)]

    def cutoff(self, shop_domain: str, as_of: date) -> datetime:
        """The instant the API is asked at when it is asked 'on' `as_of`: the end of that day, shop time."""
        return datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=self.shop(shop_domain).zone)

    def orders_of(self, shop_domain: str, as_of: date | None = None) -> tuple[Order, ...]:
        """The shop's orders that exist by the end of `as_of` (all of them when None)."""
        orders = self._orders_by_shop.get(shop_domain, ())
        if as_of is None:
            return orders
        cutoff = self.cutoff(shop_domain, as_of)
        return tuple(o for o in orders if o.exists(cutoff))

    def orders_of_customer(self, shop_domain: str, customer_id: int) -> tuple[Order, ...]:
        """The customer's orders (all of them), from an index: the bench's worlds hold thousands."""
        return self._orders_by_customer.get((shop_domain, customer_id), ())

    def unit_cost(self, variant: Variant, cutoff: datetime) -> Decimal | None:
        change = self.cost_change
        if variant.variant_id == change.variant_id and change.changed_at < cutoff:
            return change.new_cost
        return variant.unit_cost

    def customer_updated_at(self, customer: Customer, cutoff: datetime) -> datetime:
        """A customer changes when they place an order (their order count and amount spent move)."""
        placed = [
            o.created_at
            for o in self._orders_by_customer.get((customer.shop_domain, customer.customer_id), ())
            if o.created_at < cutoff
        ]
        return max([customer.created_at, *placed])

    def session(self, session_id: str) -> Session:
        return self._sessions_by_id[session_id]

    def events_of(self, shop_domain: str) -> tuple[PixelEvent, ...]:
        return tuple(e for e in self.events if e.shop_domain == shop_domain)

    # ---- files and configuration ----------------------------------------- #

    def write_pixel_exports(self, exports_dir: Path) -> int:
        """Write pixel/<YYYY-MM-DD>/<site_id>-<n>.jsonl[.gz] under `exports_dir`; return the file count."""
        exports_dir = Path(exports_dir)
        for pixel_file in self.pixel_files:
            path = exports_dir / pixel_file.relative_path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(pixel_file.render())
        return len(self.pixel_files)

    def access_tokens(self) -> dict[str, str]:
        """<credentials_env_prefix>_ACCESS_TOKEN -> the sandbox token, per shop connection."""
        return {f"{s.credentials_env_prefix}_ACCESS_TOKEN": s.access_token for s in self.shops}

    def client_credentials(self) -> dict[str, str]:
        """<credentials_env_prefix>_CLIENT_ID / _CLIENT_SECRET per shop connection: the client
        credentials grant instead of a permanent access token."""
        return {
            f"{s.credentials_env_prefix}_{name}": value
            for s in self.shops
            for name, value in (("CLIENT_ID", s.client_id), ("CLIENT_SECRET", s.client_secret))
        }

    def connections_config(self) -> dict[str, list[dict]]:
        """Per workspace slug, its Shopify connection entries as the YAML config holds them."""
        return _connections_config(self.shops)

    def pixel_site_ids(self) -> dict[str, str]:
        return {shop.client_slug: shop.pixel_site_id for shop in self.shops}

    def config_document(self) -> dict:
        """A stand-alone METRICS_CONFIG document (workspaces, clients with pixel site ids, Shopify
        connections) for running the Shopify connector on its own."""
        names = {"northstar": "Northstar Agency", "harbor": "Harbor Collective"}
        connections = self.connections_config()
        return {
            "workspaces": [
                {
                    "slug": workspace,
                    "name": name,
                    "clients": [
                        {
                            "slug": s.client_slug,
                            "name": s.name,
                            "currency": s.currency,
                            "timezone": s.timezone,
                            "pixel_site_id": s.pixel_site_id,
                        }
                        for s in self.shops
                        if s.workspace_slug == workspace
                    ],
                    "connections": connections[workspace],
                }
                for workspace, name in names.items()
            ]
        }

    # ---- internals -------------------------------------------------------- #

    @cached_property
    def _customers_by_id(self) -> dict[tuple[str, int], Customer]:
        return {(c.shop_domain, c.customer_id): c for c in self.customers}

    @cached_property
    def _orders_by_id(self) -> dict[tuple[str, int], Order]:
        return {(o.shop_domain, o.order_id): o for o in self.orders}

    @cached_property
    def _orders_by_shop(self) -> dict[str, tuple[Order, ...]]:
        grouped: dict[str, list[Order]] = {}
        for order in self.orders:
            grouped.setdefault(order.shop_domain, []).append(order)
        return {shop: tuple(orders) for shop, orders in grouped.items()}

    @cached_property
    def _orders_by_customer(self) -> dict[tuple[str, int], tuple[Order, ...]]:
        grouped: dict[tuple[str, int], list[Order]] = {}
        for order in self.orders:
            grouped.setdefault((order.shop_domain, order.customer_id), []).append(order)
        return {key: tuple(orders) for key, orders in grouped.items()}

    @cached_property
    def _sessions_by_id(self) -> dict[str, Session]:
        return {s.session_id: s for s in self.sessions}


# --------------------------------------------------------------------------- #
# Module-level entry points (default seed)
# --------------------------------------------------------------------------- #


def connections_config() -> dict[str, list[dict]]:
    """The sandbox's Shopify connections per workspace slug (the shops are a fixed cast)."""
    return _connections_config(SHOPS)


def pixel_site_ids() -> dict[str, str]:
    """client slug -> the `site_id` its pixel events carry."""
    return {shop.client_slug: shop.pixel_site_id for shop in SHOPS}


def write_pixel_exports(exports_dir: Path, seed: int = DEFAULT_SEED) -> int:
    """Write the world's pixel files under `exports_dir`; return how many files were written."""
    return build_commerce_world(seed).write_pixel_exports(exports_dir)


def _connections_config(shops: Iterable[Shop]) -> dict[str, list[dict]]:
    by_workspace: dict[str, list[dict]] = {}
    for shop in shops:
        by_workspace.setdefault(shop.workspace_slug, []).append(
            {
                "id": shop.connection_id,
                "provider": "shopify",
                "client": shop.client_slug,
                "shop_domain": shop.shop_domain,
                "credentials_env_prefix": shop.credentials_env_prefix,
            }
        )
    return by_workspace


# --------------------------------------------------------------------------- #
# Building
# --------------------------------------------------------------------------- #


def build_commerce_world(
    seed: int = DEFAULT_SEED,
    *,
    google_world: GoogleAdsWorld | None = None,
    meta_world: MetaWorld | None = None,
) -> CommerceWorld:
    """The world for `seed`; the ad worlds default to theirs for the same seed."""
    google = google_world or build_google_ads_world(seed)
    meta = meta_world or build_meta_world(seed)
    products = tuple(p for shop in SHOPS for p in _catalogue(shop))
    cost_change = _cost_change(products)
    customers: list[Customer] = []
    orders: list[Order] = []
    sessions: list[Session] = []
    events: list[PixelEvent] = []
    specials: dict[str, dict] = {}
    for shop in SHOPS:
        builder = _ShopBuilder(seed, shop, [p for p in products if p.shop_domain == shop.shop_domain], google, meta)
        built = builder.build()
        customers.extend(built.customers)
        orders.extend(built.orders)
        sessions.extend(built.sessions)
        events.extend(built.events)
        specials[shop.shop_domain] = built.specials
    events.sort(key=lambda e: (_occurred(e), e.event_id))
    pixel_files, duplicate, malformed = _plan_pixel_files(seed, events)
    acme, citrus = (specials[s.shop_domain] for s in SHOPS)
    awkward = CommerceAwkwardCases(
        cost_change=cost_change,
        refund=acme["refund"],
        refunded_order_id=acme["refund"].order_id,
        cancelled_order_id=citrus["cancelled_order_id"],
        gclid_order_id=acme["gclid_order_id"],
        gclid=acme["gclid"],
        large_order_id=acme["large_order_id"],
        variant_without_cost=next(v.variant_id for p in products for v in p.variants if v.unit_cost is None),
        order_discount_order_ids=acme["order_discount_order_ids"] + citrus["order_discount_order_ids"],
        edited_order_id=acme["edited_order_id"],
        edited_line_item_id=acme["edited_line_item_id"],
        test_order_id=acme["test_order_id"],
        no_restock_refund=citrus["no_restock_refund"],
        duplicate_event=duplicate,
        malformed_line=malformed,
    )
    return CommerceWorld(
        seed=seed,
        start=START,
        end=END,
        shops=SHOPS,
        products=products,
        customers=tuple(customers),
        orders=tuple(orders),
        sessions=tuple(sessions),
        events=tuple(events),
        pixel_files=pixel_files,
        cost_change=cost_change,
        awkward=awkward,
    )


def _catalogue(shop: Shop) -> list[Product]:
    products = []
    for p, (title, product_type, code, variants) in enumerate(_CATALOGUE[shop.shop_domain], start=1):
        product_id = product_id_for(shop.index, p)
        built_variants = []
        for v, (variant_title, price, cost) in enumerate(variants, start=1):
            suffix = "" if variant_title == "Default Title" else "-" + _slug(variant_title).upper()
            built_variants.append(
                Variant(
                    shop_domain=shop.shop_domain,
                    product_id=product_id,
                    variant_id=variant_id_for(shop.index, p, v),
                    inventory_item_id=inventory_item_id_for(shop.index, p, v),
                    sku=f"{_SKU_PREFIX[shop.shop_domain]}-{code}{suffix}",
                    title=variant_title,
                    price=Decimal(price),
                    unit_cost=Decimal(cost) if cost is not None else None,
                )
            )
        products.append(
            Product(
                shop_domain=shop.shop_domain,
                product_id=product_id,
                title=title,
                handle=_slug(title),
                product_type=product_type,
                vendor=_VENDORS[shop.shop_domain],
                status="ACTIVE",
                variants=tuple(built_variants),
            )
        )
    return products


def _cost_change(products: tuple[Product, ...]) -> CostChange:
    shop_domain, p, v, new_cost, at = _COST_CHANGE
    product = [x for x in products if x.shop_domain == shop_domain][p]
    variant = product.variants[v]
    assert variant.unit_cost is not None and variant.sku is not None
    zone = next(s for s in SHOPS if s.shop_domain == shop_domain).zone
    return CostChange(
        shop_domain,
        variant.variant_id,
        variant.sku,
        variant.unit_cost,
        new_cost,
        datetime.combine(COST_CHANGE_DAY, at, tzinfo=zone),
    )


@dataclass
class _Intent:
    """An order about to happen: from a converting session, or placed without a pixel journey."""

    at: datetime
    lines: list[tuple[Variant, int]]
    source_name: str
    session: Session | None = None
    checkout_token: str | None = None
    customer: Customer | None = None
    discount: tuple[str, Decimal] | None = None
    priced: dict = field(default_factory=dict)
    order_discount: bool = False
    test: bool = False


@dataclass
class _PlannedSession:
    session: Session
    pages: list[str]  # page URLs after the landing page
    carted: list[tuple[Variant, int]]
    converts: bool
    abandoned_checkout: bool
    ip: str
    user_agent: str
    intent: _Intent | None = None


@dataclass
class _Built:
    customers: list[Customer]
    orders: list[Order]
    sessions: list[Session]
    events: list[PixelEvent]
    specials: dict


class _ShopBuilder:
    def __init__(self, seed: int, shop: Shop, products: list[Product], google: GoogleAdsWorld, meta: MetaWorld):
        self.seed = seed
        self.shop = shop
        self.products = products
        self.variants = [v for p in products for v in p.variants]
        self.product_of = {p.product_id: p for p in products}
        self.google = google
        self.meta = meta
        self.rng = _stream(seed, "journeys", shop.shop_domain)
        self.used_gclids: set[str] = set()
        self.meta_campaigns = {c.campaign_id: c for c in meta.campaigns}

    # -- the plan ----------------------------------------------------------- #

    def build(self) -> _Built:
        planned = self._plan_sessions()
        intents = [p.intent for p in planned if p.intent is not None] + self._direct_intents()
        intents.append(self._large_order_intent())
        intents.sort(key=lambda i: (i.at, i.checkout_token or ""))
        customers = self._assign_customers(intents)
        if self.shop.index == 1:
            intents.append(self._test_order_intent(customers[0]))
        for intent in intents:
            self._price(intent)
        orders, specials = self._orders(intents)
        orders.sort(key=lambda o: (o.created_at, o.order_id))  # the test order was numbered last
        events = [event for p in planned for event in self._events(p)]
        return _Built(customers, orders, [p.session for p in planned], events, specials)

    def _plan_sessions(self) -> list[_PlannedSession]:
        rng = self.rng
        planned: list[_PlannedSession] = []
        for day in _days(START, END):
            for _ in range(rng.randint(6, 12)):
                visitor_id = f"v-{self.shop.index}-{_hex(rng, 16)}"
                ip = _ip(rng)
                user_agent = rng.choice(_USER_AGENTS)
                count = rng.choices((1, 2, 3), weights=(55, 30, 15))[0]
                session_days = [day]
                for _ in range(count - 1):
                    session_days.append(session_days[-1] + timedelta(days=rng.randint(1, 4)))
                session_days = [d for d in session_days if d <= END]
                converts = rng.random() < (0.07 if len(session_days) == 1 else 0.17)
                for n, session_day in enumerate(session_days):
                    last = n == len(session_days) - 1
                    planned.append(self._plan_session(visitor_id, session_day, ip, user_agent, converts and last))
        return planned

    def _plan_session(self, visitor_id: str, day: date, ip: str, user_agent: str, converts: bool) -> _PlannedSession:
        rng = self.rng
        zone = self.shop.zone
        started = datetime.combine(day, time(rng.randint(7, 20), rng.randint(0, 59), rng.randint(0, 59)), tzinfo=zone)
        session_id = f"s-{self.shop.index}-{_hex(rng, 16)}"
        source = rng.choices([k for k, _ in _SOURCE_WEIGHTS], weights=[w for _, w in _SOURCE_WEIGHTS])[0]
        product = rng.choice(self.products)
        path = rng.choice(("/", f"/products/{product.handle}", f"/products/{product.handle}", "/collections/all"))
        params: list[tuple[str, str]] = []
        referrer: str | None = None
        google_click = None
        meta_ad = None
        if source == "google":
            click = self._google_click(day)
            if click is None:
                source = "organic"
            else:
                campaign = self.google.campaign(click.campaign_id)
                params = [("gclid", click.gclid)]
                if rng.random() < 0.8:
                    params += [
                        ("utm_source", "google"),
                        ("utm_medium", "cpc"),
                        ("utm_campaign", campaign.name),
                        ("utm_id", str(campaign.campaign_id)),
                    ]
                referrer = "https://www.google.com/"
                google_click = (click.customer_id, click.gclid)
        if source == "meta":
            ad = self._meta_ad(day)
            if ad is None:
                source = "direct"
            else:
                campaign = self.meta_campaigns[ad.campaign_id]
                style = rng.choices(("full", "fbclid_name", "name_only"), weights=(70, 15, 15))[0]
                fbclid = "IwAR" + "".join(rng.choice(_FBCLID_ALPHABET) for _ in range(56))
                if style == "full":
                    params = [
                        ("fbclid", fbclid),
                        ("utm_source", "facebook"),
                        ("utm_medium", "paid_social"),
                        ("utm_campaign", campaign.name),
                        ("utm_id", campaign.campaign_id),
                        ("utm_content", ad.ad_id),
                    ]
                    meta_ad = (ad.account_id, campaign.campaign_id, ad.ad_id)
                elif style == "fbclid_name":
                    params = [("fbclid", fbclid), ("utm_campaign", campaign.name)]
                else:
                    params = [("utm_campaign", campaign.name)]
                referrer = rng.choice(
                    ("https://l.facebook.com/", "https://lm.facebook.com/", "https://www.instagram.com/")
                )
        if source == "email":
            newsletter = rng.choice(_NEWSLETTERS[self.shop.shop_domain])
            params = [
                ("utm_source", "newsletter"),
                ("utm_medium", "email"),
                ("utm_campaign", f"{newsletter}-{day.isocalendar().year}-w{day.isocalendar().week:02d}"),
            ]
        if source == "organic":
            referrer = rng.choice(("https://www.google.com/", "https://duckduckgo.com/", "https://www.bing.com/"))
        landing_url = self.shop.storefront_url + path + ("?" + urlencode(params) if params else "")
        session = Session(
            shop_domain=self.shop.shop_domain,
            site_id=self.shop.pixel_site_id,
            visitor_id=visitor_id,
            session_id=session_id,
            started_at=started,
            source=source,
            landing_url=landing_url,
            referrer=referrer,
            params=tuple(params),
            google_click=google_click,
            meta_ad=meta_ad,
        )
        pages = [self._product_url(rng.choice(self.products)) for _ in range(rng.randint(0, 4))]
        carted: list[tuple[Variant, int]] = []
        if converts or rng.random() < 0.3:
            for _ in range(rng.choices((1, 2, 3), weights=(60, 30, 10))[0]):
                carted.append((rng.choice(self.variants), rng.choices((1, 2, 3), weights=(75, 20, 5))[0]))
            carted = _merge_lines(carted)
        abandoned = not converts and bool(carted) and rng.random() < 0.4
        planned = _PlannedSession(session, pages, carted, converts, abandoned, ip, user_agent)
        if converts:
            planned.intent = _Intent(
                at=self._checkout_times(planned)[-1],
                lines=carted,
                source_name="web",
                session=session,
                checkout_token=_hex(rng, 32),
            )
        return planned

    def _google_click(self, day: date):
        clicks = [
            c
            for c in self.google.click_views_for_day(self.shop.google_customer_id, day)
            if c.gclid not in self.used_gclids
        ]
        if not clicks:
            return None
        click = self.rng.choice(clicks)
        self.used_gclids.add(click.gclid)
        return click

    def _meta_ad(self, day: date):
        candidates = []
        for ad in self.meta.ads_of(self.shop.meta_account_id):
            if ad.objective not in WEB_OBJECTIVES:
                continue
            ad_day = self.meta.ad_day(ad, day, self.meta.end)
            if ad_day is not None and ad_day.clicks > 0:
                candidates.append(ad)
        return self.rng.choice(candidates) if candidates else None

    def _product_url(self, product: Product) -> str:
        return f"{self.shop.storefront_url}/products/{product.handle}"

    def _checkout_times(self, planned: _PlannedSession) -> list[datetime]:
        """Event instants of a session: landing, pages, carts, checkout started, checkout completed."""
        rng = _stream(self.seed, "times", planned.session.session_id)
        count = (
            1
            + len(planned.pages)
            + len(planned.carted)
            + (2 if planned.converts else 1 if planned.abandoned_checkout else 0)
        )
        moments = [planned.session.started_at]
        for _ in range(count - 1):
            moments.append(moments[-1] + timedelta(seconds=rng.randint(15, 240)))
        return moments

    def _direct_intents(self) -> list[_Intent]:
        rng = _stream(self.seed, "direct", self.shop.shop_domain)
        intents = []
        for day in _days(START, END):
            if rng.random() < 0.3:
                at = datetime.combine(
                    day, time(rng.randint(8, 19), rng.randint(0, 59), rng.randint(0, 59)), tzinfo=self.shop.zone
                )
                lines = _merge_lines([(rng.choice(self.variants), rng.randint(1, 2)) for _ in range(rng.randint(1, 3))])
                draft = rng.random() < 0.3
                intents.append(
                    _Intent(
                        at=at,
                        lines=lines,
                        source_name="shopify_draft_order" if draft else "web",
                        checkout_token=None if draft else _hex(rng, 32),
                    )
                )
        return intents

    def _large_order_intent(self) -> _Intent:
        """A wholesale draft order of 12 lines: more line items than one page of them."""
        rng = _stream(self.seed, "large-order", self.shop.shop_domain)
        variants = self.variants[:12] if len(self.variants) >= 12 else self.variants
        at = datetime.combine(date(2026, 8, 20), time(11, 12, 13), tzinfo=self.shop.zone)
        return _Intent(at=at, lines=[(v, rng.randint(2, 6)) for v in variants], source_name="shopify_draft_order")

    def _test_order_intent(self, customer: Customer) -> _Intent:
        """The merchant tries the checkout with the Bogus Gateway: a real-looking order, Order.test."""
        at = datetime.combine(date(2026, 9, 15), time(10, 4, 5), tzinfo=self.shop.zone)
        return _Intent(
            at=at,
            lines=[(self.variants[0], 1)],
            source_name="web",
            checkout_token=_hex(_stream(self.seed, "test-order", self.shop.shop_domain), 32),
            customer=customer,
            test=True,
        )

    def _assign_customers(self, intents: list[_Intent]) -> list[Customer]:
        rng = _stream(self.seed, "customers", self.shop.shop_domain)
        customers: list[Customer] = []
        for intent in intents:
            if customers and rng.random() < 0.28:
                intent.customer = rng.choice(customers)  # a repeat buyer
                continue
            n = len(customers) + 1
            first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
            email = f"{first}.{last}{n}@{rng.choice(_EMAIL_DOMAINS)}"
            if n % 7 == 0:  # shops keep what people typed: mixed case
                email = email.title()
            customer = Customer(
                shop_domain=self.shop.shop_domain,
                customer_id=customer_id_for(self.shop.index, n),
                email=email,
                created_at=intent.at,
                tax_rate=_EU_VAT if self.shop.taxes_included else rng.choice(_US_TAX_RATES),
            )
            customers.append(customer)
            intent.customer = customer
        return customers

    def _price(self, intent: _Intent) -> None:
        rng = _stream(self.seed, "price", self.shop.shop_domain, intent.at.isoformat(), intent.checkout_token)
        customer = intent.customer
        assert customer is not None
        codes = _DISCOUNTS[self.shop.shop_domain]
        first_order = customer.created_at == intent.at
        if intent.source_name == "shopify_draft_order" and len(intent.lines) >= 12:
            intent.discount = None
        elif first_order and rng.random() < 0.2:
            intent.discount = codes[1]
        elif rng.random() < 0.18:
            intent.discount = codes[0]
        pct = intent.discount[1] if intent.discount else Decimal(0)
        lines = []
        for variant, quantity in intent.lines:
            gross = variant.price * quantity
            allocations = []
            if intent.discount:
                allocations.append(DiscountAllocation(_cents(gross * pct), intent.discount[0], True, "LINE"))
            lines.append((variant, quantity, allocations))
        # A manual discount on the whole order (staff goodwill), allocated across its lines in
        # proportion to what they cost after the code: Shopify shows it in discountAllocations and
        # totalDiscountsSet, never in LineItem.totalDiscountSet.
        order_rng = _stream(self.seed, "order-discount", self.shop.shop_domain, intent.at.isoformat())
        after_code = [v.price * q - sum((a.amount for a in allocs), ZERO) for v, q, allocs in lines]
        if len(intent.lines) < 12 and order_rng.random() < 0.08 and sum(after_code, ZERO) >= Decimal("60"):
            amount, base, given = _ORDER_DISCOUNT, sum(after_code, ZERO), ZERO
            for n, (share_of, (_, _, allocs)) in enumerate(zip(after_code, lines, strict=True)):
                share = amount - given if n == len(lines) - 1 else _cents(amount * share_of / base)
                given += share
                allocs.append(DiscountAllocation(share, _ORDER_DISCOUNT_TITLE, False, "ORDER"))
            intent.order_discount = True
        priced_lines = []
        for variant, quantity, allocs in lines:
            net = variant.price * quantity - sum((a.amount for a in allocs), ZERO)
            rate = _EU_VAT if self.shop.taxes_included else customer.tax_rate
            tax = _cents(net * rate / (1 + rate)) if self.shop.taxes_included else _cents(net * rate)
            priced_lines.append((variant, quantity, tuple(allocs), tax))
        subtotal = sum((v.price * q - sum((a.amount for a in al), ZERO) for v, q, al, _ in priced_lines), ZERO)
        total_discounts = sum((a.amount for _, _, al, _ in priced_lines for a in al), ZERO)
        tax = sum((t for *_, t in priced_lines), ZERO)  # the order's tax is its lines' tax lines
        if self.shop.taxes_included:
            shipping = ZERO if subtotal >= Decimal("60") else Decimal("4.90")
            total = subtotal + shipping
        else:
            shipping = ZERO if subtotal >= Decimal("99") else Decimal("7.95")
            total = subtotal + shipping + tax
        intent.priced = {
            "lines": priced_lines,
            "subtotal": subtotal,
            "total_discounts": total_discounts,
            "shipping": shipping,
            "tax": tax,
            "total": total,
        }

    def _orders(self, intents: list[_Intent]) -> tuple[list[Order], dict]:
        shop = self.shop
        rng = _stream(self.seed, "orders", shop.shop_domain)
        orders: list[Order] = []
        for n, intent in enumerate(intents, start=1):
            order_id = order_id_for(shop.index, n)
            priced = intent.priced
            lines = tuple(
                LineItem(
                    line_item_id=line_item_id_for(shop.index, n, i),
                    product_id=variant.product_id,
                    variant_id=variant.variant_id,
                    sku=variant.sku,
                    title=self.product_of[variant.product_id].title,
                    variant_title=variant.title,
                    quantity=quantity,
                    unit_price=variant.price,
                    total_discount=sum((a.amount for a in allocations), ZERO),
                    discount_allocations=allocations,
                    tax=tax,
                )
                for i, (variant, quantity, allocations, tax) in enumerate(priced["lines"], start=1)
            )
            assert intent.customer is not None
            orders.append(
                Order(
                    shop_domain=shop.shop_domain,
                    order_id=order_id,
                    name=f"#{1000 + n}",
                    created_at=intent.at,
                    processed_at=intent.at,
                    fulfilled_at=intent.at + timedelta(hours=rng.randint(2, 40), minutes=rng.randint(0, 59)),
                    cancelled_at=None,
                    currency=shop.currency,
                    customer_id=intent.customer.customer_id,
                    email=intent.customer.email,
                    landing_site=intent.session.landing_url if intent.session else None,
                    referring_site=intent.session.referrer if intent.session else None,
                    source_name=intent.source_name,
                    checkout_token=intent.checkout_token,
                    discount_codes=(intent.discount[0],) if intent.discount else (),
                    taxes_included=shop.taxes_included,
                    lines=lines,
                    subtotal=priced["subtotal"],
                    total_discounts=priced["total_discounts"],
                    total_shipping=priced["shipping"],
                    total_tax=priced["tax"],
                    total_price=priced["total"],
                    refunds=(),
                    session_id=intent.session.session_id if intent.session else None,
                    test=intent.test,
                )
            )
        specials: dict = {
            "large_order_id": next(o.order_id for o in orders if len(o.lines) >= 12),
            "order_discount_order_ids": tuple(
                o.order_id for o, i in zip(orders, intents, strict=True) if i.order_discount
            ),
        }
        if shop.index == 1:
            specials["test_order_id"] = next(o.order_id for o in orders if o.test)
            specials.update(self._refund(orders))
            specials.update(self._edit(orders))
            gclid_order = next(
                o for o in orders if o.landing_site and "gclid=" in o.landing_site and "utm_id=" in o.landing_site
            )
            specials["gclid_order_id"] = gclid_order.order_id
            specials["gclid"] = self._session_of(intents, gclid_order).param("gclid")
        else:
            specials.update(self._cancel(orders))
            specials.update(self._refund_without_restock(orders))
        return orders, specials

    def _session_of(self, intents: list[_Intent], order: Order) -> Session:
        return next(i.session for i in intents if i.session and i.session.session_id == order.session_id)

    def _refund(self, orders: list[Order]) -> dict:
        """A partial refund 6 days after an early-September web order: one unit of its dearest line."""
        window = (date(2026, 9, 5), date(2026, 9, 12))
        candidates = [
            o
            for o in orders
            if window[0] <= o.created_at.date() <= window[1]
            and o.source_name == "web"
            and sum(line.quantity for line in o.lines) >= 2
            and o.session_id is not None
        ]
        assert candidates, "the sandbox needs an early-September order of two or more items to refund"
        order = candidates[0]
        index = orders.index(order)
        line = max(order.lines, key=lambda item: item.unit_price)
        per_unit_discount = _cents(line.total_discount / line.quantity)
        subtotal = line.unit_price - per_unit_discount
        customer_rate = (
            Decimal(0) if order.taxes_included else (order.total_tax / order.subtotal if order.subtotal else Decimal(0))
        )
        tax = ZERO if order.taxes_included else _cents(subtotal * customer_rate)
        created = datetime.combine(order.created_at.date() + timedelta(days=6), time(14, 5, 0), tzinfo=self.shop.zone)
        refund = Refund(
            refund_id=refund_id_for(self.shop.index, index + 1, 1),
            order_id=order.order_id,
            created_at=created,
            total_refunded=subtotal + tax,
            lines=(RefundLine(line.line_item_id, 1, subtotal, "RETURN", tax),),
        )
        orders[index] = replace(order, refunds=(refund,))
        return {"refund": orders[index].refunds[0]}

    def _cancel(self, orders: list[Order]) -> dict:
        """The first web order of two or more lines from 2026-10-05 on is cancelled three hours in and
        refunded in full (one refund line per order line)."""
        index, order = next(
            (i, o)
            for i, o in enumerate(orders)
            if o.created_at.date() >= date(2026, 10, 5) and o.source_name == "web" and len(o.lines) >= 2
        )
        cancelled = order.created_at + timedelta(hours=3)
        refund = Refund(
            refund_id=refund_id_for(self.shop.index, index + 1, 1),
            order_id=order.order_id,
            created_at=cancelled,
            total_refunded=order.total_price,
            lines=tuple(
                RefundLine(line.line_item_id, line.quantity, line.net, "CANCEL", line.tax) for line in order.lines
            ),
        )
        orders[index] = replace(order, cancelled_at=cancelled, fulfilled_at=None, refunds=(refund,))
        return {"cancelled_order_id": order.order_id}

    def _refund_without_restock(self, orders: list[Order]) -> dict:
        """A meal kit that arrived spoilt: one unit of the first web order from 2026-10-12 on with a
        discount code is refunded (VAT included) four days later and not restocked."""
        index, order = next(
            (i, o)
            for i, o in enumerate(orders)
            if o.created_at.date() >= date(2026, 10, 12)
            and o.source_name == "web"
            and not o.refunds
            and o.cancelled_at is None
            and o.discount_codes
        )
        line = order.lines[0]
        subtotal = line.unit_price - _cents(line.total_discount / line.quantity)
        tax = _cents(subtotal * _EU_VAT / (1 + _EU_VAT))
        refund = Refund(
            refund_id=refund_id_for(self.shop.index, index + 1, 1),
            order_id=order.order_id,
            created_at=datetime.combine(order.created_at.date() + timedelta(days=4), time(10, 0), self.shop.zone),
            total_refunded=subtotal,
            lines=(RefundLine(line.line_item_id, 1, subtotal, "NO_RESTOCK", tax),),
        )
        orders[index] = replace(order, refunds=(refund,))
        return {"no_restock_refund": refund}

    def _edit(self, orders: list[Order]) -> dict:
        """Staff remove one unit of a line an hour after the order (the first web order from
        2026-08-10 on with a line of two or more units): the line keeps its quantity, its
        currentQuantity drops by one, nothing is refunded (the payment was not captured yet)."""
        index, order, line = next(
            (i, o, line)
            for i, o in enumerate(orders)
            if o.created_at.date() >= date(2026, 8, 10) and o.source_name == "web" and not o.refunds and not o.test
            for line in o.lines
            if line.quantity >= 2
        )
        edited_line = replace(line, removed_quantity=1)
        orders[index] = replace(
            order,
            edited_at=order.created_at + timedelta(hours=1),
            lines=tuple(edited_line if item is line else item for item in order.lines),
        )
        return {"edited_order_id": order.order_id, "edited_line_item_id": line.line_item_id}

    # -- pixel events ------------------------------------------------------- #

    def _events(self, planned: _PlannedSession) -> list[PixelEvent]:
        session = planned.session
        rng = _stream(self.seed, "events", session.session_id)
        moments = self._checkout_times(planned)
        pages = [session.landing_url] + planned.pages
        steps: list[tuple[str, str, dict]] = [("page_view", url, {}) for url in pages]
        for variant, _ in planned.carted:
            steps.append(("add_to_cart", self._product_url(self.product_of[variant.product_id]), {}))
        intent = planned.intent
        if planned.converts:
            assert intent is not None and intent.checkout_token is not None
            checkout_url = f"{self.shop.storefront_url}/checkouts/cn/{intent.checkout_token}"
            money = {"checkout_token": intent.checkout_token, "currency": self.shop.currency}
            steps.append(("checkout_started", checkout_url, money))
            steps.append(
                (
                    "checkout_completed",
                    checkout_url + "/thank-you",
                    {**money, "order_value": _money(intent.priced["total"])},
                )
            )
        elif planned.abandoned_checkout:
            token = _hex(rng, 32)
            steps.append(
                (
                    "checkout_started",
                    f"{self.shop.storefront_url}/checkouts/cn/{token}",
                    {"checkout_token": token, "currency": self.shop.currency},
                )
            )
        assert len(steps) == len(moments)
        events = []
        previous: str | None = session.referrer
        for (event_type, page_url, extra), moment in zip(steps, moments, strict=True):
            values: dict[str, str | None] = {name: None for name in PIXEL_FIELDS}
            values.update(
                event_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                site_id=session.site_id,
                event_type=event_type,
                occurred_at=self._wire_time(moment, rng),
                visitor_id=session.visitor_id,
                session_id=session.session_id,
                page_url=page_url,
                landing_page=session.landing_url,
                referrer=previous,
                ip=planned.ip,
                user_agent=planned.user_agent,
            )
            for key, value in session.params:
                values[key] = value
            values.update(extra)
            events.append(PixelEvent(self.shop.shop_domain, tuple((k, values[k]) for k in PIXEL_FIELDS)))
            previous = page_url
        return events

    def _wire_time(self, moment: datetime, rng: random.Random) -> str:
        # The acme pixel sends local time with its offset; the citrus one UTC with milliseconds and a Z.
        if self.shop.index == 1:
            return moment.isoformat()
        millis = rng.randint(0, 999)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{millis:03d}Z"


# --------------------------------------------------------------------------- #
# Pixel files
# --------------------------------------------------------------------------- #


def _plan_pixel_files(
    seed: int, events: list[PixelEvent]
) -> tuple[tuple[PixelFile, ...], DuplicateEvent, MalformedLine]:
    rng = _stream(seed, "pixel-files")
    by_day_site: dict[tuple[date, str], list[PixelEvent]] = {}
    for event in events:
        key = (_occurred(event).astimezone(UTC).date(), event["site_id"] or "")
        by_day_site.setdefault(key, []).append(event)
    endings = ("\n", "", "\n\n", "\n")
    files: list[PixelFile] = []
    for (day, site_id), day_events in sorted(by_day_site.items()):
        parts = min(len(day_events), rng.choices((1, 2, 3), weights=(50, 35, 15))[0])
        size = -(-len(day_events) // parts)
        for n in range(parts):
            chunk = day_events[n * size : (n + 1) * size]
            if not chunk:
                continue
            suffix = ".jsonl.gz" if rng.random() < 0.3 else ".jsonl"
            files.append(
                PixelFile(
                    relative_path=f"pixel/{day.isoformat()}/{site_id}-{n + 1}{suffix}",
                    lines=tuple(_json_line(e) for e in chunk),
                    line_ending="\r\n" if rng.random() < 0.05 else "\n",
                    final_newline=rng.choice(endings),
                )
            )
    # Make sure every ending style is present at least once (the seed might not pick one).
    styles = {(f.line_ending, f.final_newline) for f in files}
    for i, wanted in enumerate((("\n", ""), ("\n", "\n\n"), ("\r\n", "\n"))):
        if wanted not in styles:
            f = files[7 + i * 11]
            files[7 + i * 11] = PixelFile(f.relative_path, f.lines, wanted[0], wanted[1])

    # One event sent twice: a page view of 2026-09-01 (acme) again in the first file of the next day.
    dup_index = next(i for i, f in enumerate(files) if f.relative_path.startswith("pixel/2026-09-01/px-acme-outdoor"))
    original = files[dup_index]
    dup_line = next(line for line in original.lines if '"event_type":"page_view"' in line)
    next_index = next(i for i, f in enumerate(files) if f.relative_path.startswith("pixel/2026-09-02/px-acme-outdoor"))
    target = files[next_index]
    files[next_index] = PixelFile(
        target.relative_path, (dup_line, *target.lines), target.line_ending, target.final_newline
    )
    duplicate = DuplicateEvent(json.loads(dup_line)["event_id"], (original.relative_path, target.relative_path))

    # One malformed line: a truncated write in the middle of a 2026-09-10 acme file.
    bad_index = next(i for i, f in enumerate(files) if f.relative_path.startswith("pixel/2026-09-10/px-acme-outdoor"))
    bad = files[bad_index]
    truncated = bad.lines[1][:70]
    files[bad_index] = PixelFile(
        bad.relative_path, (bad.lines[0], truncated, *bad.lines[1:]), bad.line_ending, bad.final_newline
    )
    malformed = MalformedLine(bad.relative_path, 2, truncated)
    return tuple(files), duplicate, malformed


def _json_line(event: PixelEvent) -> str:
    # The acme pixel writes every key (null where empty); the citrus one leaves empty keys out.
    values = dict(event.values)
    if event["site_id"] == "px-citrus-kitchen":
        values = {k: v for k, v in values.items() if v is not None}
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


# --------------------------------------------------------------------------- #
# Small pure helpers
# --------------------------------------------------------------------------- #

_FBCLID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"


def _stream(seed: int, *labels: object) -> random.Random:
    # String seeds go through SHA-512 inside random: independent of PYTHONHASHSEED.
    return random.Random("/".join([str(seed), "commerce", *map(str, labels)]))


def _hex(rng: random.Random, length: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(length))


def _ip(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return f"2001:db8:{rng.randint(0, 0xFFFF):x}::{rng.randint(1, 0xFFFF):x}"
    block = rng.choice(("192.0.2", "198.51.100", "203.0.113"))  # documentation ranges
    return f"{block}.{rng.randint(1, 254)}"


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _money(value: Decimal) -> str:
    return str(_cents(value))


def _merge_lines(lines: list[tuple[Variant, int]]) -> list[tuple[Variant, int]]:
    merged: dict[int, tuple[Variant, int]] = {}
    for variant, quantity in lines:
        if variant.variant_id in merged:
            merged[variant.variant_id] = (variant, merged[variant.variant_id][1] + quantity)
        else:
            merged[variant.variant_id] = (variant, quantity)
    return list(merged.values())


def _occurred(event: PixelEvent) -> datetime:
    return datetime.fromisoformat((event["occurred_at"] or "").replace("Z", "+00:00"))
