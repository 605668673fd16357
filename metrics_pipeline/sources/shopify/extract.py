"""Read one shop through the Admin GraphQL API: the shop, products, variants, orders, customers.

Thin I/O over `ShopifyClient`: one page per call, so a throttle or a 502 in the middle of a listing
retries that page and never restarts or duplicates the listing. Nested connections an order page
cut short (more line items, refunds or refund line items than the page asked for) are completed
with follow-up queries before the order is handed on, so every order comes back whole. What comes
back is the API's own JSON as plain dicts (edges unwrapped); `rows.py` shapes it for landing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from metrics_pipeline.sources.shopify import queries
from metrics_pipeline.sources.shopify.client import ShopifyClient, ShopifyError, ShopifySettings


@dataclass(frozen=True)
class OrdersRead:
    orders: list[dict]  # unique by id, each with every line item, refund and refund line item
    pages: int  # pages of the orders listing
    follow_ups: int  # extra queries to complete nested connections


def fetch_shop(client: ShopifyClient) -> dict:
    shop = client.execute("Shop", queries.SHOP)["shop"]
    if not isinstance(shop, dict):
        raise ShopifyError("the shop query answered no shop")
    return shop


def fetch_access_scopes(client: ShopifyClient) -> tuple[str, ...]:
    """The handles of the access scopes the app has on the shop (read_orders, read_all_orders, ...)."""
    installation = client.execute("AccessScopes", queries.ACCESS_SCOPES).get("currentAppInstallation")
    if not isinstance(installation, dict):
        raise ShopifyError("the access scopes query answered no app installation")
    return tuple(sorted(str(s.get("handle")) for s in installation.get("accessScopes") or [] if isinstance(s, dict)))


def fetch_products(client: ShopifyClient, settings: ShopifySettings) -> list[dict]:
    return [
        node
        for node, _ in _paginate(client, "Products", queries.PRODUCTS, ("products",), {"first": settings.products_page})
    ]


def fetch_variants(client: ShopifyClient, settings: ShopifySettings) -> list[dict]:
    return [
        node
        for node, _ in _paginate(
            client, "ProductVariants", queries.PRODUCT_VARIANTS, ("productVariants",), {"first": settings.variants_page}
        )
    ]


def fetch_orders(client: ShopifyClient, settings: ShopifySettings, updated_since: datetime | None) -> OrdersRead:
    """Every order updated at or after `updated_since` (all orders when None), oldest update first."""
    variables = {
        "first": settings.orders_page,
        "query": queries.updated_since_filter(updated_since),
        "lineItems": settings.line_items_page,
        "refunds": settings.refunds_page,
        "refundLineItems": settings.refund_line_items_page,
    }
    by_id: dict[str, dict] = {}
    pages = 0
    follow_ups = 0
    for node, page in _paginate(client, "Orders", queries.ORDERS, ("orders",), variables):
        pages = page
        order, extra = _complete_order(client, settings, node)
        follow_ups += extra
        previous = by_id.get(order["id"])
        # An order updated while the listing ran shows up again later: keep its newest state.
        if previous is None or str(order.get("updatedAt")) >= str(previous.get("updatedAt")):
            by_id[order["id"]] = order
    return OrdersRead(list(by_id.values()), pages, follow_ups)


def fetch_customers(client: ShopifyClient, settings: ShopifySettings, customer_ids: list[int]) -> list[dict]:
    """The customers with these (numeric) ids, in batches the search syntax and the cost allow."""
    found: list[dict] = []
    ids = sorted(set(customer_ids))
    batch = settings.customers_page
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        variables = {"first": len(chunk), "query": queries.customer_ids_filter(chunk)}
        found.extend(node for node, _ in _paginate(client, "Customers", queries.CUSTOMERS, ("customers",), variables))
    return found


# --------------------------------------------------------------------------- #
# Paging and completing nested connections
# --------------------------------------------------------------------------- #


def _paginate(
    client: ShopifyClient, operation: str, document: str, path: tuple[str, ...], variables: dict[str, Any]
) -> Iterator[tuple[dict, int]]:
    """(node, page number) for every node of the connection at `path`, following cursors."""
    after: str | None = None
    page = 0
    while True:
        data = client.execute(operation, document, {**variables, "after": after})
        page += 1
        connection = _at(data, path, operation)
        for edge in connection.get("edges") or []:
            yield edge["node"], page
        info = connection.get("pageInfo") or {}
        if not info.get("hasNextPage"):
            return
        next_after = info.get("endCursor")
        if not next_after or next_after == after:
            raise ShopifyError(f"{operation}: hasNextPage without a new endCursor")
        after = next_after


def _complete_order(client: ShopifyClient, settings: ShopifySettings, order: dict) -> tuple[dict, int]:
    """The order with its nested connections unwrapped and complete; the follow-up queries it took."""
    follow_ups = 0
    line_items = _nodes(order.get("lineItems"))
    info = (order.get("lineItems") or {}).get("pageInfo") or {}
    after = info.get("endCursor")
    while info.get("hasNextPage"):
        data = client.execute(
            "OrderLineItems",
            queries.ORDER_LINE_ITEMS,
            {"id": order["id"], "first": settings.more_line_items_page, "after": after},
        )
        follow_ups += 1
        connection = _at(data, ("order", "lineItems"), "OrderLineItems")
        line_items.extend(_nodes(connection))
        info = connection.get("pageInfo") or {}
        after = info.get("endCursor")

    refunds = list(order.get("refunds") or [])
    if len(refunds) >= settings.refunds_page:
        data = client.execute(
            "OrderRefunds",
            queries.ORDER_REFUNDS,
            {"id": order["id"], "refunds": settings.more_refunds, "refundLineItems": settings.refund_line_items_page},
        )
        follow_ups += 1
        refunds = list(_at(data, ("order",), "OrderRefunds").get("refunds") or [])
        if len(refunds) >= settings.more_refunds:
            raise ShopifyError(f"order {order['id']} has {len(refunds)} or more refunds: more than the connector reads")
    completed_refunds = []
    for refund in refunds:
        refund_lines = _nodes(refund.get("refundLineItems"))
        info = (refund.get("refundLineItems") or {}).get("pageInfo") or {}
        after = info.get("endCursor")
        while info.get("hasNextPage"):
            data = client.execute(
                "RefundLineItems",
                queries.REFUND_LINE_ITEMS,
                {"id": refund["id"], "first": settings.more_line_items_page, "after": after},
            )
            follow_ups += 1
            connection = _at(data, ("refund", "refundLineItems"), "RefundLineItems")
            refund_lines.extend(_nodes(connection))
            info = connection.get("pageInfo") or {}
            after = info.get("endCursor")
        completed_refunds.append({**refund, "refundLineItems": refund_lines})
    return {**order, "lineItems": line_items, "refunds": completed_refunds}, follow_ups


def _nodes(connection: dict | None) -> list[dict]:
    return [edge["node"] for edge in (connection or {}).get("edges") or []]


def _at(data: dict, path: tuple[str, ...], operation: str) -> dict:
    value: Any = data
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
        if value is None:
            raise ShopifyError(f"{operation}: the answer has no {'.'.join(path)} (deleted while being read?)")
    return value
