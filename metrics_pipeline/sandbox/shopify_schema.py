"""The slice of Shopify's Admin API schema the sandbox serves, and its resolvers over the commerce world.

``schema_for(version)`` gives the types for an API version; ``root_value(context)`` the query root
for one shop as it stood at ``context.cutoff``. The engine that runs queries over them is
graphql_engine.py; the HTTP server, tokens and throttling are shopify_server.py.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from metrics_pipeline.sandbox.commerce_world import (
    CommerceWorld,
    Customer,
    LineItem,
    Order,
    Product,
    Refund,
    Shop,
    Variant,
)
from metrics_pipeline.sandbox.graphql_engine import (
    C,
    FieldDef,
    GraphQLError,
    L,
    O,
    S,
    timestamp,
)

CHECKOUT_TOKEN_SINCE = "2026-07"  # Order.checkoutToken (Shopify changelog, May 2026)
# QueryRoot.bulkOperation(id:) and bulkOperations (changelog "New Queries for Bulk Operations", 2026-01).
BULK_OPERATION_QUERY_SINCE = "2026-01"

# --------------------------------------------------------------------------- #
# The types
# --------------------------------------------------------------------------- #

_PAGING = ("first", "after", "last", "before", "reverse")
_MONEY = FieldDef(O, "MoneyBag")

_SCHEMA: dict[str, dict[str, FieldDef]] = {
    "QueryRoot": {
        "shop": FieldDef(O, "Shop"),
        "orders": FieldDef(C, "Order", (*_PAGING, "query", "sortKey")),
        "order": FieldDef(O, "Order", ("id",), ("id",)),
        "refund": FieldDef(O, "Refund", ("id",), ("id",)),
        "products": FieldDef(C, "Product", (*_PAGING, "query", "sortKey")),
        "productVariants": FieldDef(C, "ProductVariant", (*_PAGING, "query", "sortKey")),
        "customers": FieldDef(C, "Customer", (*_PAGING, "query", "sortKey")),
        "currentAppInstallation": FieldDef(O, "AppInstallation"),
        "currentBulkOperation": FieldDef(O, "BulkOperation", ("type",)),
        "bulkOperation": FieldDef(O, "BulkOperation", ("id",), ("id",), since=BULK_OPERATION_QUERY_SINCE),
    },
    "Mutation": {
        "bulkOperationRunQuery": FieldDef(O, "BulkOperationRunQueryPayload", ("query", "groupObjects"), ("query",)),
    },
    "BulkOperationRunQueryPayload": {
        "bulkOperation": FieldDef(O, "BulkOperation"),
        "userErrors": FieldDef(L, "BulkOperationUserError"),
    },
    "BulkOperationUserError": {name: FieldDef(S) for name in ("field", "message", "code")},
    "BulkOperation": {
        name: FieldDef(S)
        for name in (
            "id",
            "status",
            "errorCode",
            "createdAt",
            "completedAt",
            "objectCount",
            "rootObjectCount",
            "fileSize",
            "url",
            "partialDataUrl",
            "query",
            "type",
        )
    },
    "AppInstallation": {"id": FieldDef(S), "accessScopes": FieldDef(L, "AccessScope")},
    "AccessScope": {"handle": FieldDef(S), "description": FieldDef(S)},
    "Shop": {
        name: FieldDef(S)
        for name in ("id", "name", "currencyCode", "ianaTimezone", "myshopifyDomain", "email", "timezoneAbbreviation")
    },
    "Order": {
        **{
            name: FieldDef(S)
            for name in (
                "id",
                "legacyResourceId",
                "name",
                "createdAt",
                "processedAt",
                "updatedAt",
                "cancelledAt",
                "cancelReason",
                "closed",
                "displayFinancialStatus",
                "displayFulfillmentStatus",
                "currencyCode",
                "sourceName",
                "email",
                "discountCodes",
                "taxesIncluded",
                "test",
            )
        },
        "checkoutToken": FieldDef(S, since=CHECKOUT_TOKEN_SINCE),
        "subtotalPriceSet": _MONEY,
        "totalDiscountsSet": _MONEY,
        "totalShippingPriceSet": _MONEY,
        "totalTaxSet": _MONEY,
        "totalPriceSet": _MONEY,
        "totalRefundedSet": _MONEY,
        "customer": FieldDef(O, "Customer"),
        "customerJourneySummary": FieldDef(O, "CustomerJourneySummary"),
        "shippingLine": FieldDef(O, "ShippingLine"),
        "lineItems": FieldDef(C, "LineItem", _PAGING),
        "refunds": FieldDef(L, "Refund", ("first",)),
    },
    "MoneyBag": {"shopMoney": FieldDef(O, "MoneyV2"), "presentmentMoney": FieldDef(O, "MoneyV2")},
    "MoneyV2": {"amount": FieldDef(S), "currencyCode": FieldDef(S)},
    "Customer": {
        **{
            name: FieldDef(S)
            for name in ("id", "legacyResourceId", "createdAt", "updatedAt", "numberOfOrders", "email")
        },
        "defaultEmailAddress": FieldDef(O, "CustomerEmailAddress"),
        "amountSpent": FieldDef(O, "MoneyV2"),
    },
    "CustomerEmailAddress": {"emailAddress": FieldDef(S), "marketingState": FieldDef(S)},
    "CustomerJourneySummary": {
        "ready": FieldDef(S),
        "customerOrderIndex": FieldDef(S),
        "daysToConversion": FieldDef(S),
        "firstVisit": FieldDef(O, "CustomerVisit"),
        "lastVisit": FieldDef(O, "CustomerVisit"),
    },
    "CustomerVisit": {
        **{
            name: FieldDef(S)
            for name in ("id", "landingPage", "referrerUrl", "occurredAt", "source", "sourceType", "referralCode")
        },
        "utmParameters": FieldDef(O, "UTMParameters"),
    },
    "UTMParameters": {name: FieldDef(S) for name in ("source", "medium", "campaign", "term", "content")},
    "ShippingLine": {"title": FieldDef(S), "originalPriceSet": _MONEY, "discountedPriceSet": _MONEY},
    "LineItem": {
        **{name: FieldDef(S) for name in ("id", "sku", "title", "name", "variantTitle", "quantity", "currentQuantity")},
        "variant": FieldDef(O, "ProductVariant"),
        "product": FieldDef(O, "Product"),
        "originalUnitPriceSet": _MONEY,
        "totalDiscountSet": _MONEY,
        "discountedTotalSet": _MONEY,
        "discountAllocations": FieldDef(L, "DiscountAllocation"),
        "taxLines": FieldDef(L, "TaxLine", ("first",)),  # Shopify default: every tax line
    },
    "DiscountAllocation": {"allocatedAmountSet": _MONEY, "discountApplication": FieldDef(O, "DiscountApplication")},
    # The DiscountApplication interface, flattened: `title` stands for the code / title of its kinds.
    "DiscountApplication": {
        name: FieldDef(S) for name in ("index", "allocationMethod", "targetSelection", "targetType", "title")
    },
    "TaxLine": {"title": FieldDef(S), "rate": FieldDef(S), "ratePercentage": FieldDef(S), "priceSet": _MONEY},
    "Refund": {
        **{name: FieldDef(S) for name in ("id", "legacyResourceId", "createdAt", "note")},
        "totalRefundedSet": _MONEY,
        "refundLineItems": FieldDef(C, "RefundLineItem", _PAGING),
    },
    "RefundLineItem": {
        "id": FieldDef(S),
        "quantity": FieldDef(S),
        "restockType": FieldDef(S),
        "lineItem": FieldDef(O, "LineItem"),
        "subtotalSet": _MONEY,
        "priceSet": _MONEY,
        "totalTaxSet": _MONEY,
    },
    "Product": {
        **{
            name: FieldDef(S)
            for name in (
                "id",
                "legacyResourceId",
                "title",
                "handle",
                "productType",
                "vendor",
                "status",
                "createdAt",
                "updatedAt",
            )
        },
        "variants": FieldDef(C, "ProductVariant", _PAGING),
    },
    "ProductVariant": {
        **{name: FieldDef(S) for name in ("id", "legacyResourceId", "sku", "title", "price", "createdAt", "updatedAt")},
        "product": FieldDef(O, "Product"),
        "inventoryItem": FieldDef(O, "InventoryItem"),
    },
    "InventoryItem": {
        "id": FieldDef(S),
        "sku": FieldDef(S),
        "tracked": FieldDef(S),
        "unitCost": FieldDef(O, "MoneyV2"),
    },
    "PageInfo": {name: FieldDef(S) for name in ("hasNextPage", "hasPreviousPage", "startCursor", "endCursor")},
}


def _connection_types(node_type: str) -> dict[str, dict[str, FieldDef]]:
    return {
        f"{node_type}Connection": {
            "edges": FieldDef(L, f"{node_type}Edge"),
            "nodes": FieldDef(L, node_type),
            "pageInfo": FieldDef(O, "PageInfo"),
        },
        f"{node_type}Edge": {"cursor": FieldDef(S), "node": FieldDef(O, node_type)},
    }


for _node in ("Order", "LineItem", "RefundLineItem", "Product", "ProductVariant", "Customer"):
    _SCHEMA.update(_connection_types(_node))


def schema_for(version: str) -> dict[str, dict[str, FieldDef]]:
    """The schema slice as `version` has it (fields newer than the version left out)."""
    return {
        type_name: {name: f for name, f in fields.items() if f.since is None or version >= f.since}
        for type_name, fields in _SCHEMA.items()
    }


# --------------------------------------------------------------------------- #
# Resolvers: the world as one shop sees it at a cutoff
# --------------------------------------------------------------------------- #


@dataclass
class QueryContext:
    world: CommerceWorld
    shop: Shop
    cutoff: datetime
    version: str
    actual_cost: int = 0
    access_scopes: tuple[str, ...] = ("read_all_orders", "read_orders")

    def visible(self, order: Order) -> bool:
        """Created by the cutoff and, without read_all_orders, within the last 60 days (by createdAt)."""
        if not order.exists(self.cutoff):
            return False
        return "read_all_orders" in self.access_scopes or order.created_at >= self.cutoff - timedelta(days=60)


def _money_scalar(value: Decimal) -> str:
    """The Money scalar (ProductVariant.price): two decimals."""
    return f"{value:.2f}"


def _gid(kind: str, number: int) -> str:
    return f"gid://shopify/{kind}/{number}"


def _gid_number(gid: Any, kind: str) -> int | None:
    match = re.fullmatch(rf"gid://shopify/{kind}/(\d+)", str(gid))
    return int(match.group(1)) if match else None


def root_value(context: QueryContext) -> dict:
    world, shop, cutoff = context.world, context.shop, context.cutoff

    def orders(args: dict, path: tuple) -> dict:
        found = [o for o in world.orders_of(shop.shop_domain) if context.visible(o)]
        terms = _search_terms(args.get("query"))
        found = [
            o
            for o in found
            if _matches(
                terms,
                {
                    "updated_at": o.updated_at(cutoff),
                    "created_at": o.created_at,
                    "processed_at": o.processed_at,
                    "id": o.order_id,
                },
            )
        ]
        sort_key = args.get("sortKey") or "ID"
        keys = {
            "UPDATED_AT": lambda o: (timestamp(o.updated_at(cutoff)), o.order_id),
            "CREATED_AT": lambda o: (timestamp(o.created_at), o.order_id),
            "PROCESSED_AT": lambda o: (timestamp(o.processed_at), o.order_id),
            "ID": lambda o: ("", o.order_id),
        }
        if sort_key not in keys:
            raise GraphQLError(
                f"Argument 'sortKey' on Field 'orders' has an invalid value ({sort_key}).",
                "argumentLiteralsIncompatible",
                path=list(path),
            )
        return _page(found, keys[sort_key], args, lambda o: _order(context, o), path)

    def order(args: dict, path: tuple) -> dict | None:
        number = _gid_number(args.get("id"), "Order")
        try:
            found = world.order(shop.shop_domain, number) if number is not None else None
        except KeyError:
            found = None
        return _order(context, found) if found is not None and context.visible(found) else None

    def refund(args: dict, path: tuple) -> dict | None:
        number = _gid_number(args.get("id"), "Refund")
        for o in world.orders_of(shop.shop_domain):
            for r in o.refunds_as_of(cutoff) if context.visible(o) else ():
                if r.refund_id == number:
                    return _refund(context, o, r)
        return None

    def products(args: dict, path: tuple) -> dict:
        return _page(
            list(world.products_of(shop.shop_domain)),
            lambda p: ("", p.product_id),
            args,
            lambda p: _product(context, p),
            path,
        )

    def product_variants(args: dict, path: tuple) -> dict:
        return _page(
            list(world.variants_of(shop.shop_domain)),
            lambda v: ("", v.variant_id),
            args,
            lambda v: _variant(context, v),
            path,
        )

    def customers(args: dict, path: tuple) -> dict:
        found = [c for c in world.customers_of(shop.shop_domain) if c.created_at < cutoff]
        terms = _search_terms(args.get("query"))
        found = [
            c
            for c in found
            if _matches(
                terms,
                {"updated_at": world.customer_updated_at(c, cutoff), "created_at": c.created_at, "id": c.customer_id},
            )
        ]
        return _page(found, lambda c: ("", c.customer_id), args, lambda c: _customer(context, c), path)

    shop_node = {
        "id": _gid("Shop", 70_000_000 + shop.index),
        "name": shop.name,
        "currencyCode": shop.currency,
        "ianaTimezone": shop.timezone,
        "myshopifyDomain": shop.shop_domain,
        "email": f"owner@{shop.storefront_url.split('//www.')[-1]}",
        "timezoneAbbreviation": context.cutoff.tzname(),
    }
    return {
        "shop": shop_node,
        "orders": orders,
        "order": order,
        "refund": refund,
        "products": products,
        "productVariants": product_variants,
        "customers": customers,
        "currentAppInstallation": {
            "id": f"gid://shopify/AppInstallation/{shop.index}",
            "accessScopes": [{"handle": scope, "description": None} for scope in context.access_scopes],
        },
    }


def _order(context: QueryContext, order: Order) -> dict:
    cutoff = context.cutoff
    refunds = order.refunds_as_of(cutoff)
    refunded = sum((r.total_refunded for r in refunds), Decimal("0"))
    customer = context.world.customer(order.shop_domain, order.customer_id)
    session = context.world.session(order.session_id) if order.session_id else None

    def journey() -> dict | None:
        if order.source_name != "web":
            return None  # orders typed in by staff have no online journey
        visit = None
        if session is not None:
            visit = {
                "id": _gid("CustomerVisit", int(session.session_id.split("-")[-1], 16) % 10**12),
                "landingPage": session.landing_url,
                "referrerUrl": session.referrer,
                "occurredAt": session.started_at,
                "source": session.source,
                "sourceType": None,
                "referralCode": None,
                "utmParameters": {
                    k: session.param(f"utm_{k}") for k in ("source", "medium", "campaign", "term", "content")
                }
                if session.param("utm_source") or session.param("utm_campaign")
                else None,
            }
        return {
            "ready": True,
            "customerOrderIndex": None,
            "daysToConversion": None,
            "firstVisit": visit,
            "lastVisit": visit,
        }

    def line_items(args: dict, path: tuple) -> dict:
        return _page(
            list(order.lines),
            lambda item: ("", item.line_item_id),
            args,
            lambda item: _line_item(context, order, item),
            path,
        )

    def refund_list(args: dict, path: tuple) -> list[dict]:
        limit = args.get("first")
        chosen = refunds[:limit] if isinstance(limit, int) else refunds
        return [_refund(context, order, r) for r in chosen]

    return {
        "id": order.gid,
        "legacyResourceId": str(order.order_id),
        "name": order.name,
        "createdAt": order.created_at,
        "processedAt": order.processed_at,
        "updatedAt": order.updated_at(cutoff),
        "cancelledAt": order.cancelled_as_of(cutoff),
        "cancelReason": "CUSTOMER" if order.cancelled_as_of(cutoff) else None,
        "closed": order.cancelled_as_of(cutoff) is not None,
        "displayFinancialStatus": order.financial_status(cutoff),
        "displayFulfillmentStatus": "FULFILLED"
        if order.fulfilled_at and order.fulfilled_at < cutoff
        else "UNFULFILLED",
        "currencyCode": order.currency,
        "sourceName": order.source_name,
        "email": order.email,
        "discountCodes": order.discount_codes,
        "taxesIncluded": order.taxes_included,
        "test": order.test,
        "checkoutToken": order.checkout_token,
        "subtotalPriceSet": _money_bag(order.subtotal, order.currency),
        "totalDiscountsSet": _money_bag(order.total_discounts, order.currency),
        "totalShippingPriceSet": _money_bag(order.total_shipping, order.currency),
        "totalTaxSet": _money_bag(order.total_tax, order.currency),
        "totalPriceSet": _money_bag(order.total_price, order.currency),
        "totalRefundedSet": _money_bag(refunded, order.currency),
        "customer": _customer(context, customer),
        "customerJourneySummary": journey(),
        "shippingLine": {
            "title": "Standard" if order.total_shipping else "Free shipping",
            "originalPriceSet": _money_bag(order.total_shipping, order.currency),
            "discountedPriceSet": _money_bag(order.total_shipping, order.currency),
        },
        "lineItems": line_items,
        "refunds": refund_list,
    }


def _line_item(context: QueryContext, order: Order, item: LineItem) -> dict:
    variant = next(v for v in context.world.variants_of(order.shop_domain) if v.variant_id == item.variant_id)
    product = next(p for p in context.world.products_of(order.shop_domain) if p.product_id == item.product_id)
    return {
        "id": _gid("LineItem", item.line_item_id),
        "sku": item.sku,
        "title": item.title,
        "name": item.title if item.variant_title == "Default Title" else f"{item.title} - {item.variant_title}",
        "variantTitle": None if item.variant_title == "Default Title" else item.variant_title,
        "quantity": item.quantity,
        # "The number of units ordered, excluding refunded and removed units."
        "currentQuantity": item.quantity
        - (item.removed_quantity if order.edited_at is not None and order.edited_at < context.cutoff else 0)
        - _refunded_units(order, item, context.cutoff),
        "variant": _variant(context, variant),
        "product": _product(context, product),
        "originalUnitPriceSet": _money_bag(item.unit_price, order.currency),
        # Line-level, not code-based discounts only (Shopify's default); every discount, order-level
        # and code-based included, is in discountAllocations.
        "totalDiscountSet": _money_bag(item.total_discount_set, order.currency),
        "discountedTotalSet": _money_bag(item.unit_price * item.quantity - item.total_discount_set, order.currency),
        "discountAllocations": [
            {
                "allocatedAmountSet": _money_bag(allocation.amount, order.currency),
                "discountApplication": {
                    "index": index,
                    "allocationMethod": "ACROSS",
                    "targetSelection": "ALL" if allocation.level == "ORDER" else "ENTITLED",
                    "targetType": "LINE_ITEM",
                    "title": allocation.title,
                },
            }
            for index, allocation in enumerate(item.discount_allocations)
        ],
        "taxLines": lambda args, path: [
            {
                "title": "MwSt" if order.taxes_included else "Sales tax",
                "rate": None,
                "ratePercentage": None,
                "priceSet": _money_bag(item.tax, order.currency),
            }
        ][: args.get("first") or None],
    }


def _refunded_units(order: Order, item: LineItem, cutoff: datetime) -> int:
    return sum(
        line.quantity for r in order.refunds_as_of(cutoff) for line in r.lines if line.line_item_id == item.line_item_id
    )


def _refund(context: QueryContext, order: Order, refund: Refund) -> dict:
    lines_by_id = {line.line_item_id: line for line in order.lines}

    def refund_line_items(args: dict, path: tuple) -> dict:
        return _page(
            list(refund.lines),
            lambda line: ("", line.line_item_id),
            args,
            lambda line: {
                "id": _gid("RefundLineItem", refund.refund_id * 100 + list(refund.lines).index(line) + 1),
                "quantity": line.quantity,
                "restockType": line.restock_type,
                "lineItem": _line_item(context, order, lines_by_id[line.line_item_id]),
                "subtotalSet": _money_bag(line.subtotal, order.currency),
                "totalTaxSet": _money_bag(line.tax, order.currency),
                "priceSet": _money_bag(lines_by_id[line.line_item_id].unit_price, order.currency),
            },
            path,
        )

    return {
        "id": _gid("Refund", refund.refund_id),
        "legacyResourceId": str(refund.refund_id),
        "createdAt": refund.created_at,
        "note": None,
        "totalRefundedSet": _money_bag(refund.total_refunded, order.currency),
        "refundLineItems": refund_line_items,
    }


def _product(context: QueryContext, product: Product) -> dict:
    def variants(args: dict, path: tuple) -> dict:
        return _page(list(product.variants), lambda v: ("", v.variant_id), args, lambda v: _variant(context, v), path)

    created = datetime(2026, 5, 4, 9, 0, tzinfo=context.shop.zone)
    return {
        "id": _gid("Product", product.product_id),
        "legacyResourceId": str(product.product_id),
        "title": product.title,
        "handle": product.handle,
        "productType": product.product_type,
        "vendor": product.vendor,
        "status": product.status,
        "createdAt": created,
        "updatedAt": created,
        "variants": variants,
    }


def _variant(context: QueryContext, variant: Variant) -> dict:
    world = context.world
    cost = world.unit_cost(variant, context.cutoff)
    product = next(p for p in world.products_of(variant.shop_domain) if p.product_id == variant.product_id)
    changed = world.cost_change
    updated = (
        changed.changed_at
        if (variant.variant_id == changed.variant_id and changed.changed_at < context.cutoff)
        else datetime(2026, 5, 4, 9, 0, tzinfo=context.shop.zone)
    )
    return {
        "id": _gid("ProductVariant", variant.variant_id),
        "legacyResourceId": str(variant.variant_id),
        "sku": variant.sku,
        "title": variant.title,
        "price": _money_scalar(variant.price),
        "createdAt": datetime(2026, 5, 4, 9, 0, tzinfo=context.shop.zone),
        "updatedAt": updated,
        "product": {
            "id": _gid("Product", product.product_id),
            "legacyResourceId": str(product.product_id),
            "title": product.title,
            "handle": product.handle,
            "productType": product.product_type,
            "vendor": product.vendor,
            "status": product.status,
            "createdAt": None,
            "updatedAt": None,
            "variants": lambda args, path: _page([], lambda v: ("", 0), args, lambda v: {}, path),
        },
        "inventoryItem": {
            "id": _gid("InventoryItem", variant.inventory_item_id),
            "sku": variant.sku,
            "tracked": True,
            "unitCost": {"amount": cost, "currencyCode": context.shop.currency} if cost is not None else None,
        },
    }


def _customer(context: QueryContext, customer: Customer) -> dict:
    world, cutoff = context.world, context.cutoff
    placed = [o for o in world.orders_of_customer(customer.shop_domain, customer.customer_id) if o.exists(cutoff)]
    spent = sum((o.total_price for o in placed), Decimal("0"))
    return {
        "id": _gid("Customer", customer.customer_id),
        "legacyResourceId": str(customer.customer_id),
        "createdAt": customer.created_at,
        "updatedAt": world.customer_updated_at(customer, cutoff),
        "numberOfOrders": str(len(placed)),
        "email": customer.email,
        "defaultEmailAddress": {"emailAddress": customer.email, "marketingState": "NOT_SUBSCRIBED"},
        "amountSpent": {"amount": spent, "currencyCode": context.shop.currency},
    }


def _money_bag(amount: Decimal, currency: str) -> dict:
    money = {"amount": amount, "currencyCode": currency}
    return {"shopMoney": money, "presentmentMoney": money}


def _page(items: list, key: Callable[[Any], tuple], args: dict, render: Callable[[Any], dict], path: tuple) -> dict:
    """One forward page of a connection, keyset-paged by `key` (stable however the data moves)."""
    ordered = sorted(items, key=key)
    if args.get("reverse"):
        raise GraphQLError("The sandbox pages forward only (reverse: false)", "BAD_REQUEST", path=list(path))
    after = args.get("after")
    if after:
        position = _decode_cursor(after, path)
        ordered = [item for item in ordered if key(item) > position]
    # No `first` only gets past validation in a bulk operation's query, which reads every node.
    first = args.get("first")
    if first is None:
        first = len(ordered)
    chunk = ordered[:first]
    edges = [{"cursor": _encode_cursor(key(item)), "node": render(item)} for item in chunk]
    return {
        "edges": edges,
        "nodes": [edge["node"] for edge in edges],
        "pageInfo": {
            "hasNextPage": len(ordered) > first,
            "hasPreviousPage": bool(after),
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def _encode_cursor(key: tuple) -> str:
    raw = json.dumps({"last_value": key[0], "last_id": key[1]}, separators=(",", ":")).encode()
    return base64.b64encode(raw).decode()


def _decode_cursor(cursor: str, path: tuple) -> tuple:
    try:
        data = json.loads(base64.b64decode(cursor.encode(), validate=True))
        return (str(data["last_value"]), int(data["last_id"]))
    except (ValueError, KeyError, TypeError):
        raise GraphQLError(
            f"Invalid cursor for current pagination sort: {cursor!r}", "BAD_REQUEST", path=list(path)
        ) from None


# --------------------------------------------------------------------------- #
# Search syntax: updated_at:>='2026-09-01T00:00:00Z' id:1 OR id:2
# --------------------------------------------------------------------------- #

_TERM = re.compile(r"""(?P<field>[a-z_]+):(?P<op>>=|<=|>|<|=)?(?P<value>'[^']*'|"[^"]*"|[^\s]+)""")


def _search_terms(query: str | None) -> list[list[tuple[str, str, str]]]:
    """Disjunctions of conjunctions: [[(field, op, value), ...], ...] ("a b OR c" = (a and b) or c)."""
    if not query or not query.strip():
        return []
    groups: list[list[tuple[str, str, str]]] = [[]]
    for part in re.split(r"(\s+OR\s+)", query.strip()):
        if re.fullmatch(r"\s+OR\s+", part):
            groups.append([])
            continue
        for match in _TERM.finditer(part):
            value = match.group("value").strip("'\"")
            groups[-1].append((match.group("field"), match.group("op") or "=", value))
    return [g for g in groups if g]


def _matches(groups: list[list[tuple[str, str, str]]], values: dict[str, Any]) -> bool:
    if not groups:
        return True
    return any(all(_term_holds(term, values) for term in group) for group in groups)


def _term_holds(term: tuple[str, str, str], values: dict[str, Any]) -> bool:
    field_name, op, raw = term
    if field_name not in values:
        return True  # Shopify ignores filters it does not know (and says so in a warning)
    actual = values[field_name]
    if isinstance(actual, datetime):
        try:
            wanted: Any = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return False
        if wanted.tzinfo is None:
            wanted = wanted.replace(tzinfo=UTC)
    else:
        try:
            wanted = int(raw)
        except ValueError:
            return False
    return {
        "=": actual == wanted,
        ">=": actual >= wanted,
        "<=": actual <= wanted,
        ">": actual > wanted,
        "<": actual < wanted,
    }[op]
