"""Shopify: the Admin GraphQL API (plain HTTPS + JSON over `requests`) into raw_shopify.*.

- client.py: the GraphQL client per shop (endpoint from METRICS_SHOPIFY_URL_TEMPLATE), query cost
  and throttling, error classification for retries;
- queries.py: the GraphQL documents the connector sends (pure text);
- extract.py: shop, products, variants, orders (cursor pages, nested connections completed; or,
  with no cursor yet, one bulk operation) and the customers those orders touch;
- bulk.py: a bulk operation's JSONL result nested back into orders (pure, by `__parentId`);
- landing_urls.py, rows.py: pure parsing of landing URLs and shaping of the API's JSON into rows;
- load.py: `sync_shopify`, one transaction per shop, incremental by `updated_at`.
"""

from metrics_pipeline.sources.contract import ApiSource, LandingTable

SOURCE = ApiSource(
    name="shopify",
    title="Shopify",
    tables=(
        LandingTable(
            "orders",
            day_column="processed_at",
            money_columns=("subtotal_price", "total_discounts", "total_shipping", "total_tax", "total_price"),
        ),
        LandingTable("order_line_items"),
        LandingTable("refunds"),
        LandingTable("refund_line_items"),
        LandingTable("customers"),
        LandingTable("products"),
        LandingTable("product_variants"),
        LandingTable("variant_cost_observations"),
        LandingTable("shops"),
    ),
    sync="metrics_pipeline.sources.shopify.load:sync_shopify",
    partitioned=False,
    target_noun="shop",
)
