"""The Admin GraphQL documents the connector sends (pure text), and the search filter it builds.

Page sizes travel as variables, so each document is a constant and Shopify's cost for it depends
only on them. With the default sizes (see `ShopifySettings`) the costliest document, a page of
orders, asks for 891 of the 1000 points a single query may cost: a page of 7 orders, each with 5
line items and 2 refunds of 3 refund line items. An order with more of those is completed by the
follow-up documents below, so nothing is ever cut off at a page boundary.

Field choices for API version 2026-07 (see client.API_VERSION):
- the landing page is `customerJourneySummary.lastVisit.landingPage` (the legacy
  `landingPageUrl` / `landingSite` are deprecated), the referrer `lastVisit.referrerUrl`;
- `checkoutToken` exists on `Order` from 2026-07 (earlier versions have no way to read it);
- a customer's email is `defaultEmailAddress.emailAddress` (`Customer.email` is deprecated);
- money is read in the shop's currency: `...Set { shopMoney { amount currencyCode } }`;
- a line's discounts are its `discountAllocations` summed: `LineItem.totalDiscountSet` leaves out
  order-level discounts and (by default) discount codes, so it under-states what the buyer got off;
- `currentQuantity` is what is left of a line after order edits and refunds: the units an edit
  removed are `quantity - currentQuantity - refunded units` (never sold, never shipped);
- a line's `taxLines` and `Order.taxesIncluded` take VAT out of revenue where prices include it;
- `RefundLineItem.restockType` says whether refunded units came back (NO_RESTOCK: their cost
  stays spent); `Order.test` marks Bogus Gateway orders (landed, left out of every figure in dbt).
"""

from __future__ import annotations

from datetime import UTC, datetime

_MONEY = "shopMoney { amount currencyCode }"

SHOP = """
query Shop {
  shop { name currencyCode ianaTimezone myshopifyDomain }
}
"""

# What the app may read: without read_all_orders Shopify shows only the last 60 days of orders.
ACCESS_SCOPES = """
query AccessScopes {
  currentAppInstallation { accessScopes { handle } }
}
"""

PRODUCTS = """
query Products($first: Int!, $after: String) {
  products(first: $first, after: $after, sortKey: ID) {
    pageInfo { hasNextPage endCursor }
    edges { node { id title handle productType vendor status } }
  }
}
"""

PRODUCT_VARIANTS = """
query ProductVariants($first: Int!, $after: String) {
  productVariants(first: $first, after: $after, sortKey: ID) {
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id sku title price
        product { id }
        inventoryItem { id unitCost { amount currencyCode } }
      }
    }
  }
}
"""

_LINE_ITEM = f"""
        id sku title quantity currentQuantity
        variant {{ id }}
        product {{ id }}
        originalUnitPriceSet {{ {_MONEY} }}
        totalDiscountSet {{ {_MONEY} }}
        discountAllocations {{ allocatedAmountSet {{ {_MONEY} }} }}
        taxLines {{ priceSet {{ {_MONEY} }} }}
"""

_REFUND_LINE_ITEM = f"""
        quantity restockType lineItem {{ id }} subtotalSet {{ {_MONEY} }} totalTaxSet {{ {_MONEY} }}
"""

_REFUND = f"""
        id createdAt
        totalRefundedSet {{ {_MONEY} }}
        refundLineItems(first: $refundLineItems) {{
          pageInfo {{ hasNextPage endCursor }}
          edges {{ node {{ {_REFUND_LINE_ITEM} }} }}
        }}
"""

# An order's own fields, the same in the paged and the bulk query (their rows must be equal).
_ORDER_FIELDS = f"""
        id name createdAt processedAt updatedAt cancelledAt displayFinancialStatus currencyCode
        sourceName email checkoutToken taxesIncluded test
        subtotalPriceSet {{ {_MONEY} }}
        totalDiscountsSet {{ {_MONEY} }}
        totalShippingPriceSet {{ {_MONEY} }}
        totalTaxSet {{ {_MONEY} }}
        totalPriceSet {{ {_MONEY} }}
        customer {{ id }}
        customerJourneySummary {{ lastVisit {{ landingPage referrerUrl }} }}
"""

ORDERS = f"""
query Orders($first: Int!, $after: String, $query: String, $lineItems: Int!, $refunds: Int!,
             $refundLineItems: Int!) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    edges {{
      node {{
        {_ORDER_FIELDS}
        lineItems(first: $lineItems) {{
          pageInfo {{ hasNextPage endCursor }}
          edges {{ node {{ {_LINE_ITEM} }} }}
        }}
        refunds(first: $refunds) {{ {_REFUND} }}
      }}
    }}
  }}
}}
"""

# An order with more line items than the page held: the rest, page by page.
ORDER_LINE_ITEMS = f"""
query OrderLineItems($id: ID!, $first: Int!, $after: String) {{
  order(id: $id) {{
    lineItems(first: $first, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      edges {{ node {{ {_LINE_ITEM} }} }}
    }}
  }}
}}
"""

# An order with as many refunds as the page asked for may have more: read them all at once.
ORDER_REFUNDS = f"""
query OrderRefunds($id: ID!, $refunds: Int!, $refundLineItems: Int!) {{
  order(id: $id) {{
    refunds(first: $refunds) {{ {_REFUND} }}
  }}
}}
"""

# A refund with more refund line items than the page held: the rest, page by page.
REFUND_LINE_ITEMS = f"""
query RefundLineItems($id: ID!, $first: Int!, $after: String) {{
  refund(id: $id) {{
    refundLineItems(first: $first, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      edges {{ node {{ {_REFUND_LINE_ITEM} }} }}
    }}
  }}
}}
"""

CUSTOMERS = """
query Customers($first: Int!, $after: String, $query: String) {
  customers(first: $first, after: $after, query: $query, sortKey: ID) {
    pageInfo { hasNextPage endCursor }
    edges { node { id createdAt updatedAt defaultEmailAddress { emailAddress } } }
  }
}
"""


def updated_since_filter(since: datetime | None) -> str | None:
    """Shopify search syntax for orders updated at or after `since` (None: every order)."""
    if since is None:
        return None
    if since.tzinfo is None:
        raise ValueError(f"a time-zone-aware datetime is required (got {since!r})")
    return f"updated_at:>='{since.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}'"


def customer_ids_filter(customer_ids: list[int]) -> str:
    """Shopify search syntax for exactly these customers."""
    if not customer_ids:
        raise ValueError("at least one customer id is required")
    return " OR ".join(f"id:{customer_id}" for customer_id in customer_ids)


# --------------------------------------------------------------------------- #
# Bulk operations: a first sync (or a full re-read) of a shop's orders
# --------------------------------------------------------------------------- #

# The query a bulk operation runs: every order with the fields ORDERS reads. Bulk operations read
# every node of a connection (no `first`, no pageInfo) and write nested connections as JSONL lines
# of their own with `__parentId`, so each node with a nested connection selects `id`. They refuse a
# connection inside a list field, and `Order.refunds` is a list: refunds come inline with their own
# fields, and their `refundLineItems` are read afterwards with REFUND_LINE_ITEMS (few orders have
# refunds). https://shopify.dev/docs/api/usage/bulk-operations/queries
_BULK_REFUND = f"""
        id createdAt
        totalRefundedSet {{ {_MONEY} }}
"""

BULK_ORDERS = f"""
{{
  orders(sortKey: UPDATED_AT) {{
    edges {{
      node {{
        {_ORDER_FIELDS}
        lineItems {{
          edges {{ node {{ {_LINE_ITEM} }} }}
        }}
        refunds {{ {_BULK_REFUND} }}
      }}
    }}
  }}
}}
"""

# What a child line's gid names -> the connection of the order it belongs to.
BULK_ORDER_CHILDREN = {"LineItem": "lineItems"}

_BULK_OPERATION_FIELDS = "id status errorCode objectCount rootObjectCount fileSize url partialDataUrl"

BULK_RUN_QUERY = f"""
mutation BulkRunQuery($query: String!) {{
  bulkOperationRunQuery(query: $query) {{
    bulkOperation {{ {_BULK_OPERATION_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}
"""

# From API version 2026-01 an app may run several bulk queries per shop at a time, so an operation
# is polled by its id (`currentBulkOperation` answers only the most recent one).
BULK_OPERATION = f"""
query BulkOperation($id: ID!) {{
  bulkOperation(id: $id) {{ {_BULK_OPERATION_FIELDS} }}
}}
"""
