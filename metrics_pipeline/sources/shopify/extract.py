"""Read one shop through the Admin GraphQL API: the shop, products, variants, orders, customers.

Thin I/O over `ShopifyClient`: one page per call, so a throttle or a 502 in the middle of a listing
retries that page and never restarts or duplicates the listing. Nested connections an order page
cut short (more line items, refunds or refund line items than the page asked for) are completed
with follow-up queries before the order is handed on, so every order comes back whole. What comes
back is the API's own JSON as plain dicts (edges unwrapped); `rows.py` shapes it for landing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from metrics_pipeline.operations.failures import PERMANENT, TRANSIENT, FailureCause
from metrics_pipeline.sources.shopify import queries
from metrics_pipeline.sources.shopify.bulk import parse_lines, reassemble
from metrics_pipeline.sources.shopify.client import ShopifyBulkError, ShopifyClient, ShopifyError, ShopifySettings


@dataclass(frozen=True)
class OrdersRead:
    orders: list[dict]  # unique by id, each with every line item, refund and refund line item
    pages: int  # pages of the orders listing
    follow_ups: int  # extra queries to complete nested connections
    bulk_operation: str | None = None  # the bulk operation's id, when one read the orders
    bulk_objects: int = 0  # lines of its JSONL result


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


# userErrors that mean "the app already runs as many bulk queries on this shop as it may": one
# before API version 2026-01 (OPERATION_IN_PROGRESS), five from 2026-01 (LIMIT_REACHED).
BULK_BUSY_CODES = frozenset({"OPERATION_IN_PROGRESS", "LIMIT_REACHED"})
BULK_DONE = "COMPLETED"
BULK_ENDED = frozenset({"FAILED", "CANCELED", "CANCELING", "EXPIRED"})
# A failed operation's errorCode -> whether the retry sensor should run the sync again.
_BULK_FAILURES = {
    "INTERNAL_SERVER_ERROR": FailureCause(TRANSIENT, "bulk operation failed: Shopify internal error"),
    "ACCESS_DENIED": FailureCause(PERMANENT, "missing permission"),
    # Ten days were not enough: another try runs as long; page instead (METRICS_SHOPIFY_FIRST_SYNC=paged).
    "TIMEOUT": FailureCause(PERMANENT, "bulk operation timed out"),
}


def fetch_orders_bulk(
    client: ShopifyClient, settings: ShopifySettings, log: Callable[[str], None] = lambda message: None
) -> OrdersRead:
    """Every order of the shop through one bulk operation, completed like a page's orders.

    Start the operation (waiting while the app's other bulk queries hold the shop's slots), poll it
    by id until it ends, download its JSONL and nest the line items back under their orders. Refund
    line items cannot be in a bulk query (a connection inside the `refunds` list), so each refund's
    are read with follow-up queries, as a page's overflow is. A failed, canceled or expired
    operation fails the sync (ShopifyBulkError): its partial data is not landed, since the cursor
    would then move past orders that were never read.
    """
    operation = _start_bulk_query(client, settings, queries.BULK_ORDERS, log)
    finished = _wait_for_bulk_operation(client, settings, operation, log)
    gid = str(finished["id"])
    url = finished.get("url")
    if not url:  # a query that matched nothing has no file
        lines: list[dict] = []
    else:
        lines = parse_lines(client.download_lines(str(url), f"bulk operation {gid} result"))
    orders = reassemble(lines, queries.BULK_ORDER_CHILDREN)
    log(f"shopify {client.shop_domain}: bulk operation {gid} read {len(orders)} orders ({len(lines)} objects)")
    follow_ups = 0
    completed = []
    for order in orders:
        refunds = []
        for refund in order.get("refunds") or []:
            refund_lines, calls = _refund_line_items(client, settings, refund["id"])
            follow_ups += calls
            refunds.append({**refund, "refundLineItems": refund_lines})
        completed.append({**order, "refunds": refunds})
    return OrdersRead(completed, 0, follow_ups, bulk_operation=gid, bulk_objects=len(lines))


def _start_bulk_query(client: ShopifyClient, settings: ShopifySettings, query: str, log: Callable[[str], None]) -> dict:
    waited = 0.0
    interval = settings.bulk_poll_interval
    while True:
        data = client.execute("BulkRunQuery", queries.BULK_RUN_QUERY, {"query": query})
        payload = _at(data, ("bulkOperationRunQuery",), "BulkRunQuery")
        errors = [e for e in payload.get("userErrors") or [] if isinstance(e, dict)]
        operation = payload.get("bulkOperation")
        if not errors and isinstance(operation, dict) and operation.get("id"):
            log(f"shopify {client.shop_domain}: started bulk operation {operation['id']}")
            return operation
        text = "; ".join(f"{e.get('message')} ({e.get('code')})" for e in errors) or "no operation and no error"
        busy = any(e.get("code") in BULK_BUSY_CODES for e in errors)
        if not busy:
            raise ShopifyBulkError(
                f"bulkOperationRunQuery refused the orders query: {text}", FailureCause(PERMANENT, "bulk query refused")
            )
        if waited >= settings.bulk_slot_wait:
            raise ShopifyBulkError(
                f"bulkOperationRunQuery: {text}; the app's other bulk queries on the shop still ran after"
                f" {waited:.0f}s of waiting",
                FailureCause(TRANSIENT, "bulk operations busy"),
            )
        log(f"shopify {client.shop_domain}: {text}; trying again in {interval:.0f}s")
        client.wait(interval)
        waited += interval
        interval = min(interval * 1.5, settings.bulk_poll_max_interval)


def _wait_for_bulk_operation(
    client: ShopifyClient, settings: ShopifySettings, operation: dict, log: Callable[[str], None]
) -> dict:
    gid = str(operation["id"])
    waited = 0.0
    interval = settings.bulk_poll_interval
    status = str(operation.get("status"))
    while True:
        if status == BULK_DONE:
            return operation
        if status in BULK_ENDED:
            code = operation.get("errorCode")
            cause = _BULK_FAILURES.get(str(code), FailureCause(TRANSIENT, f"bulk operation {status.lower()}"))
            raise ShopifyBulkError(
                f"bulk operation {gid} ended {status}"
                f"{f' ({code})' if code else ''} after {operation.get('objectCount') or 0} objects;"
                " nothing landed (partial data is not used) and the next run starts the full read again",
                cause,
            )
        if waited >= settings.bulk_max_wait:
            raise ShopifyBulkError(
                f"bulk operation {gid} still {status} after {waited:.0f}s; it goes on on Shopify, and the next run"
                " starts another",
                FailureCause(TRANSIENT, "timeout"),
            )
        client.wait(interval)
        waited += interval
        interval = min(interval * 1.5, settings.bulk_poll_max_interval)
        found = client.execute("BulkOperation", queries.BULK_OPERATION, {"id": gid}).get("bulkOperation")
        if not isinstance(found, dict):
            raise ShopifyBulkError(f"bulk operation {gid} is not found")
        operation, status = found, str(found.get("status"))
        log(
            f"shopify {client.shop_domain}: bulk operation {gid} {status} ({operation.get('objectCount') or 0} objects)"
        )


def _refund_line_items(client: ShopifyClient, settings: ShopifySettings, refund_id: str) -> tuple[list[dict], int]:
    """Every line of one refund, page by page; (lines, queries sent)."""
    lines: list[dict] = []
    after: str | None = None
    calls = 0
    while True:
        data = client.execute(
            "RefundLineItems",
            queries.REFUND_LINE_ITEMS,
            # A page the size the orders query nests (3 lines, 21 points) covers almost every refund:
            # a 50-line page would be asked for (and charged) 303 points each time.
            {"id": refund_id, "first": settings.refund_line_items_page, "after": after},
        )
        calls += 1
        connection = _at(data, ("refund", "refundLineItems"), "RefundLineItems")
        lines.extend(_nodes(connection))
        info = connection.get("pageInfo") or {}
        if not info.get("hasNextPage"):
            return lines, calls
        after = info.get("endCursor")


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
