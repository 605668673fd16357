"""Shape the Admin GraphQL API's JSON into raw_shopify rows (pure).

- ids: Shopify's global ids (`gid://shopify/Order/6000100000010`) land as their numeric part;
- money: the API's Decimal scalars are strings ("149.0", "24.9", "1234.56"); they are checked to be
  finite decimal numbers and travel as text so COPY parses them exactly into numeric (never float);
- times: ISO 8601 with a zone, kept as aware datetimes;
- emails: only `pii.hash_email(email, key)` leaves this module; the address itself never does;
- landing URLs: the landing page and referrer land without personal data (`pii.scrub_url`: a
  store's `?email=` / `&phone=`, email and IP addresses go; utm_* and click ids stay as written),
  and their tracking parameters are parsed into the order's utm_* / click-id columns;
- discounts: `discount_allocated` is the line's discountAllocations summed (every discount);
  `total_discount` keeps Shopify's totalDiscountSet as it is (line-level, no codes) for reference.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl

from metrics_pipeline.security.pii import hash_email, scrub_url
from metrics_pipeline.sources.shopify.landing_urls import parse_landing_url


class ShopifyRowError(ValueError):
    """A value the API sent that cannot be landed as it is."""


_GID = re.compile(r"^gid://shopify/([A-Za-z]+)/(\d+)(?:\?.*)?$")


def gid_number(gid: Any, kind: str | None = None) -> int | None:
    """The numeric id of a Shopify global id (None stays None); `kind` checks the resource type."""
    if gid is None:
        return None
    match = _GID.match(str(gid))
    if match is None or (kind is not None and match.group(1) != kind):
        raise ShopifyRowError(f"not a Shopify {kind or ''} id: {gid!r}".replace("  ", " "))
    return int(match.group(2))


def decimal_text(value: Any, what: str) -> str:
    """A Shopify Decimal or Money value as an exact decimal literal for COPY."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ShopifyRowError(f"{what}: not a decimal amount: {value!r}")
    text = str(value).strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ShopifyRowError(f"{what}: not a decimal amount: {value!r}") from None
    if not number.is_finite():
        raise ShopifyRowError(f"{what}: not a finite amount: {value!r}")
    return text


def money(bag: Any, what: str, currency: str | None = None) -> str:
    """`{shopMoney: {amount, currencyCode}}` as a decimal literal, in the shop's currency."""
    shop_money = (bag or {}).get("shopMoney") if isinstance(bag, Mapping) else None
    if not isinstance(shop_money, Mapping):
        raise ShopifyRowError(f"{what}: no shopMoney amount")
    if currency is not None and shop_money.get("currencyCode") not in (None, currency):
        raise ShopifyRowError(f"{what}: in {shop_money.get('currencyCode')}, not the shop's {currency}")
    return decimal_text(shop_money.get("amount"), what)


def timestamp(value: Any, what: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ShopifyRowError(f"{what}: not an ISO 8601 time: {value!r}") from None
    if moment.tzinfo is None:
        raise ShopifyRowError(f"{what}: a time without a zone: {value!r}")
    return moment


def _required(value: Any, what: str) -> Any:
    if value is None:
        raise ShopifyRowError(f"{what}: missing")
    return value


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def _flag(value: Any, what: str) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise ShopifyRowError(f"{what}: not true or false: {value!r}")
    return value


def _money_sum(bags: Any, field: str, what: str, currency: str) -> str:
    """The exact sum of a list's `field` money bags (`[]` sums to 0), as a decimal literal."""
    if bags is None:
        bags = []
    if not isinstance(bags, list):
        raise ShopifyRowError(f"{what}: not a list: {bags!r}")
    total = sum(
        (Decimal(money((bag or {}).get(field), f"{what} {n + 1}", currency)) for n, bag in enumerate(bags)),
        Decimal(0),
    )
    return str(total)


def _quantity(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ShopifyRowError(f"{what}: not a whole quantity: {value!r}")
    return value


# --------------------------------------------------------------------------- #
# Orders
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class OrderRows:
    order: dict[str, Any]
    line_items: list[dict[str, Any]]
    refunds: list[dict[str, Any]]
    refund_line_items: list[dict[str, Any]]


def order_rows(node: Mapping[str, Any], shop_domain: str, currency: str, key: bytes) -> OrderRows:
    """One order of the API (its nested connections already unwrapped to lists) as landing rows."""
    order_id = gid_number(_required(node.get("id"), "order id"), "Order")
    where = f"order {order_id}"
    journey = node.get("customerJourneySummary") or {}
    visit = journey.get("lastVisit") or {}
    landing_site = scrub_url(_text(visit.get("landingPage")))
    customer = node.get("customer") or {}
    order = {
        "shop_domain": shop_domain,
        "order_id": order_id,
        "order_name": str(_required(node.get("name"), f"{where} name")),
        "created_at": timestamp(_required(node.get("createdAt"), f"{where} createdAt"), f"{where} createdAt"),
        "processed_at": timestamp(node.get("processedAt") or node.get("createdAt"), f"{where} processedAt"),
        "updated_at": timestamp(_required(node.get("updatedAt"), f"{where} updatedAt"), f"{where} updatedAt"),
        "cancelled_at": timestamp(node.get("cancelledAt"), f"{where} cancelledAt"),
        "financial_status": _text(node.get("displayFinancialStatus")),
        "currency": str(node.get("currencyCode") or currency),
        "subtotal_price": money(node.get("subtotalPriceSet"), f"{where} subtotal", currency),
        "total_discounts": money(node.get("totalDiscountsSet"), f"{where} discounts", currency),
        "total_shipping": money(node.get("totalShippingPriceSet"), f"{where} shipping", currency),
        "total_tax": money(node.get("totalTaxSet"), f"{where} tax", currency),
        "total_price": money(node.get("totalPriceSet"), f"{where} total", currency),
        "customer_id": gid_number(customer.get("id"), "Customer"),
        "email_hash": hash_email(node.get("email"), key),
        "landing_site": landing_site,
        "referring_site": scrub_url(_text(visit.get("referrerUrl"))),
        "source_name": _text(node.get("sourceName")),
        "checkout_token": _text(node.get("checkoutToken")),
        "taxes_included": _flag(node.get("taxesIncluded"), f"{where} taxesIncluded"),
        "is_test": bool(_flag(node.get("test"), f"{where} test")),
        **parse_landing_url(landing_site).as_dict(),
    }
    line_items = [
        {
            "shop_domain": shop_domain,
            "order_id": order_id,
            "line_item_id": gid_number(_required(item.get("id"), f"{where} line item id"), "LineItem"),
            "product_id": gid_number((item.get("product") or {}).get("id"), "Product"),
            "variant_id": gid_number((item.get("variant") or {}).get("id"), "ProductVariant"),
            "sku": _text(item.get("sku")),
            "title": str(item.get("title") or ""),
            "quantity": _quantity(item.get("quantity"), f"{where} line quantity"),
            "current_quantity": _quantity(
                _required(item.get("currentQuantity"), f"{where} line currentQuantity"),
                f"{where} line currentQuantity",
            ),
            "original_unit_price": money(item.get("originalUnitPriceSet"), f"{where} unit price", currency),
            "total_discount": money(item.get("totalDiscountSet"), f"{where} line discount", currency),
            # Every discount on the line, order-level and code-based included (totalDiscountSet has neither).
            "discount_allocated": _money_sum(
                _required(item.get("discountAllocations"), f"{where} line discountAllocations"),
                "allocatedAmountSet",
                f"{where} line discount allocation",
                currency,
            ),
            "tax": _money_sum(item.get("taxLines"), "priceSet", f"{where} line tax line", currency),
        }
        for item in node.get("lineItems") or []
    ]
    refunds, refund_lines = [], []
    for refund in node.get("refunds") or []:
        refund_id = gid_number(_required(refund.get("id"), f"{where} refund id"), "Refund")
        refunds.append(
            {
                "shop_domain": shop_domain,
                "order_id": order_id,
                "refund_id": refund_id,
                "created_at": timestamp(
                    _required(refund.get("createdAt"), f"refund {refund_id} createdAt"), f"refund {refund_id} createdAt"
                ),
                "total_refunded": money(refund.get("totalRefundedSet"), f"refund {refund_id} total", currency),
            }
        )
        for line in refund.get("refundLineItems") or []:
            refund_lines.append(
                {
                    "shop_domain": shop_domain,
                    "refund_id": refund_id,
                    "line_item_id": gid_number(
                        _required((line.get("lineItem") or {}).get("id"), f"refund {refund_id} line item"), "LineItem"
                    ),
                    "quantity": _quantity(line.get("quantity"), f"refund {refund_id} quantity"),
                    "subtotal": money(line.get("subtotalSet"), f"refund {refund_id} subtotal", currency),
                    "restock_type": _text(line.get("restockType")),
                    "total_tax": money(line.get("totalTaxSet"), f"refund {refund_id} tax", currency)
                    if line.get("totalTaxSet") is not None
                    else None,
                }
            )
    return OrderRows(order, line_items, refunds, refund_lines)


# --------------------------------------------------------------------------- #
# Catalogue, customers, the shop
# --------------------------------------------------------------------------- #


def product_row(node: Mapping[str, Any], shop_domain: str) -> dict[str, Any]:
    return {
        "shop_domain": shop_domain,
        "product_id": gid_number(_required(node.get("id"), "product id"), "Product"),
        "title": str(node.get("title") or ""),
        "product_type": _text(node.get("productType")),
        "vendor": _text(node.get("vendor")),
        "status": _text(node.get("status")),
    }


def variant_row(node: Mapping[str, Any], shop_domain: str) -> dict[str, Any]:
    variant_id = gid_number(_required(node.get("id"), "variant id"), "ProductVariant")
    price = node.get("price")
    return {
        "shop_domain": shop_domain,
        "variant_id": variant_id,
        "product_id": gid_number(
            _required((node.get("product") or {}).get("id"), f"variant {variant_id} product"), "Product"
        ),
        "sku": _text(node.get("sku")),
        "title": _text(node.get("title")),
        "price": decimal_text(price, f"variant {variant_id} price") if price is not None else None,
        "inventory_item_id": gid_number((node.get("inventoryItem") or {}).get("id"), "InventoryItem"),
    }


def unit_cost(node: Mapping[str, Any], currency: str) -> str | None:
    """The variant's current unit cost (COGS) as a decimal literal; None when none is entered."""
    cost = (node.get("inventoryItem") or {}).get("unitCost")
    if not cost:
        return None
    what = f"variant {node.get('id')} unit cost"
    if cost.get("currencyCode") not in (None, currency):
        raise ShopifyRowError(f"{what}: in {cost.get('currencyCode')}, not the shop's {currency}")
    return decimal_text(cost.get("amount"), what)


def customer_row(node: Mapping[str, Any], shop_domain: str, key: bytes) -> dict[str, Any]:
    customer_id = gid_number(_required(node.get("id"), "customer id"), "Customer")
    return {
        "shop_domain": shop_domain,
        "customer_id": customer_id,
        "email_hash": hash_email((node.get("defaultEmailAddress") or {}).get("emailAddress"), key),
        "created_at": timestamp(node.get("createdAt"), f"customer {customer_id} createdAt"),
        "updated_at": timestamp(node.get("updatedAt"), f"customer {customer_id} updatedAt"),
    }


@dataclass(frozen=True)
class ShopInfo:
    shop_domain: str
    name: str | None
    currency: str
    timezone: str


def shop_info(node: Mapping[str, Any], shop_domain: str) -> ShopInfo:
    currency = node.get("currencyCode")
    zone = node.get("ianaTimezone")
    if not currency or not zone:
        raise ShopifyRowError(f"shop {shop_domain}: no currency or time zone in the answer")
    return ShopInfo(shop_domain, _text(node.get("name")), str(currency), str(zone))


# --------------------------------------------------------------------------- #
# Frames for COPY
# --------------------------------------------------------------------------- #

_ORDER_SCHEMA = {
    "shop_domain": pl.Utf8,
    "order_id": pl.Int64,
    "order_name": pl.Utf8,
    "created_at": pl.Utf8,
    "processed_at": pl.Utf8,
    "updated_at": pl.Utf8,
    "cancelled_at": pl.Utf8,
    "financial_status": pl.Utf8,
    "currency": pl.Utf8,
    "subtotal_price": pl.Utf8,
    "total_discounts": pl.Utf8,
    "total_shipping": pl.Utf8,
    "total_tax": pl.Utf8,
    "total_price": pl.Utf8,
    "customer_id": pl.Int64,
    "email_hash": pl.Utf8,
    "landing_site": pl.Utf8,
    "referring_site": pl.Utf8,
    "source_name": pl.Utf8,
    "checkout_token": pl.Utf8,
    "taxes_included": pl.Boolean,
    "is_test": pl.Boolean,
    "utm_source": pl.Utf8,
    "utm_medium": pl.Utf8,
    "utm_campaign": pl.Utf8,
    "utm_term": pl.Utf8,
    "utm_content": pl.Utf8,
    "utm_id": pl.Utf8,
    "gclid": pl.Utf8,
    "fbclid": pl.Utf8,
    "ttclid": pl.Utf8,
    "ingestion_run_id": pl.Utf8,
    "extracted_at": pl.Utf8,
}
_LINE_ITEM_SCHEMA = {
    "shop_domain": pl.Utf8,
    "order_id": pl.Int64,
    "line_item_id": pl.Int64,
    "product_id": pl.Int64,
    "variant_id": pl.Int64,
    "sku": pl.Utf8,
    "title": pl.Utf8,
    "quantity": pl.Int64,
    "current_quantity": pl.Int64,
    "original_unit_price": pl.Utf8,
    "total_discount": pl.Utf8,
    "discount_allocated": pl.Utf8,
    "tax": pl.Utf8,
    "ingestion_run_id": pl.Utf8,
}
_REFUND_SCHEMA = {
    "shop_domain": pl.Utf8,
    "order_id": pl.Int64,
    "refund_id": pl.Int64,
    "created_at": pl.Utf8,
    "total_refunded": pl.Utf8,
    "ingestion_run_id": pl.Utf8,
}
_REFUND_LINE_SCHEMA = {
    "shop_domain": pl.Utf8,
    "refund_id": pl.Int64,
    "line_item_id": pl.Int64,
    "quantity": pl.Int64,
    "subtotal": pl.Utf8,
    "restock_type": pl.Utf8,
    "total_tax": pl.Utf8,
    "ingestion_run_id": pl.Utf8,
}
_CUSTOMER_SCHEMA = {
    "shop_domain": pl.Utf8,
    "customer_id": pl.Int64,
    "email_hash": pl.Utf8,
    "created_at": pl.Utf8,
    "updated_at": pl.Utf8,
    "ingestion_run_id": pl.Utf8,
    "extracted_at": pl.Utf8,
}
_PRODUCT_SCHEMA = {
    "shop_domain": pl.Utf8,
    "product_id": pl.Int64,
    "title": pl.Utf8,
    "product_type": pl.Utf8,
    "vendor": pl.Utf8,
    "status": pl.Utf8,
    "ingestion_run_id": pl.Utf8,
    "extracted_at": pl.Utf8,
}
_VARIANT_SCHEMA = {
    "shop_domain": pl.Utf8,
    "variant_id": pl.Int64,
    "product_id": pl.Int64,
    "sku": pl.Utf8,
    "title": pl.Utf8,
    "price": pl.Utf8,
    "inventory_item_id": pl.Int64,
    "ingestion_run_id": pl.Utf8,
    "extracted_at": pl.Utf8,
}
_SHOP_SCHEMA = {
    "shop_domain": pl.Utf8,
    "connection_id": pl.Utf8,
    "name": pl.Utf8,
    "currency": pl.Utf8,
    "timezone": pl.Utf8,
    "ingestion_run_id": pl.Utf8,
    "extracted_at": pl.Utf8,
}
COST_SCHEMA = {"variant_id": pl.Int64, "unit_cost": pl.Utf8}


def frame(rows: Sequence[Mapping[str, Any]], schema: Mapping[str, Any], **constants: Any) -> pl.DataFrame:
    """Rows (plus columns that are the same for every row) as a frame with `schema`'s columns."""
    columns = {
        name: [_cell(constants[name] if name in constants else row.get(name)) for row in rows] for name in schema
    }
    return pl.DataFrame(columns, schema=dict(schema))


def _cell(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def orders_frames(rows: Sequence[OrderRows], *, run_id: str, extracted_at: datetime) -> dict[str, pl.DataFrame]:
    """raw_shopify.orders / order_line_items / refunds / refund_line_items, keyed by table."""
    return {
        "raw_shopify.orders": frame(
            [r.order for r in rows], _ORDER_SCHEMA, ingestion_run_id=run_id, extracted_at=extracted_at
        ),
        "raw_shopify.order_line_items": frame(
            [i for r in rows for i in r.line_items], _LINE_ITEM_SCHEMA, ingestion_run_id=run_id
        ),
        "raw_shopify.refunds": frame([x for r in rows for x in r.refunds], _REFUND_SCHEMA, ingestion_run_id=run_id),
        "raw_shopify.refund_line_items": frame(
            [x for r in rows for x in r.refund_line_items], _REFUND_LINE_SCHEMA, ingestion_run_id=run_id
        ),
    }


def customers_frame(rows: Sequence[Mapping[str, Any]], *, run_id: str, extracted_at: datetime) -> pl.DataFrame:
    return frame(rows, _CUSTOMER_SCHEMA, ingestion_run_id=run_id, extracted_at=extracted_at)


def products_frame(rows: Sequence[Mapping[str, Any]], *, run_id: str, extracted_at: datetime) -> pl.DataFrame:
    return frame(rows, _PRODUCT_SCHEMA, ingestion_run_id=run_id, extracted_at=extracted_at)


def variants_frame(rows: Sequence[Mapping[str, Any]], *, run_id: str, extracted_at: datetime) -> pl.DataFrame:
    return frame(rows, _VARIANT_SCHEMA, ingestion_run_id=run_id, extracted_at=extracted_at)


def shop_frame(info: ShopInfo, *, connection_id: str, run_id: str, extracted_at: datetime) -> pl.DataFrame:
    row = {
        "shop_domain": info.shop_domain,
        "connection_id": connection_id,
        "name": info.name,
        "currency": info.currency,
        "timezone": info.timezone,
    }
    return frame([row], _SHOP_SCHEMA, ingestion_run_id=run_id, extracted_at=extracted_at)


def costs_frame(costs: Sequence[tuple[int, str]]) -> pl.DataFrame:
    return pl.DataFrame({"variant_id": [v for v, _ in costs], "unit_cost": [c for _, c in costs]}, schema=COST_SCHEMA)
