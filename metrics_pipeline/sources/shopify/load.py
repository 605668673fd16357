"""Land Shopify shops: the shop, its catalogue and unit costs, orders incrementally, their customers.

`sync_shopify` reads every active Shopify connection's shop through the Admin GraphQL API (see
`extract.py`) with the connection's permanent access token, or else its app's client id and
secret (the client credentials grant, see `client.py`), then per shop, in one transaction:

- replaces the shop's row in raw_shopify.shops and its products and variants (the latest state);
- appends to raw_shopify.variant_cost_observations each variant whose unit cost differs from its
  latest observation (Shopify keeps only the current cost; dbt applies the one in force);
- replaces every fetched order whole (the order, its line items, refunds and refund line items):
  the orders updated since the shop's cursor minus the connection's `lookback_days` (the refund
  look-back), page by page; or every order on the first run (no cursor yet), through one bulk
  operation (`extract.fetch_orders_bulk`; METRICS_SHOPIFY_FIRST_SYNC=paged pages instead);
- replaces the customers those orders belong to;
- moves raw_shopify.sync_cursors forward to the newest `updated_at` landed;
- finishes one ops.ingestion_logs row (source 'shopify', partition = the run's UTC date, target =
  the shop domain) and marks the shop `ok` in ops.connection_states.

An app without the read_all_orders scope sees only the last 60 days of orders: the sync lands
them, says so (a WARNING in the log, the log row's message and ops.connection_states.warning) and
marks its cursor, so that the first sync after the scope is granted re-reads the full history.

Unchanged orders come back identical, so a rerun with nothing new changes nothing but the
`ingestion_run_id` / `extracted_at` stamps of the rows it re-read. Emails reach no table and no log:
only their keyed hashes (METRICS_PII_KEY). A shop whose token is refused fails at once (no retries),
is marked `auth_error`, keeps what it had landed, and the other shops still land. Each shop's
result is a `landing.outcomes.TargetOutcome`; a failed one carries its `FailureCause`, which its
log row keeps as failure_kind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import requests
from psycopg import sql

from metrics_pipeline.config import ConfigError, Connection, PipelineConfig
from metrics_pipeline.landing.api_targets import aware, fail_target
from metrics_pipeline.landing.connection_states import record_account_state
from metrics_pipeline.landing.ingestion import (
    copy_frame,
    finish_attempt,
    read_sql,
    start_attempt,
)
from metrics_pipeline.landing.outcomes import TargetOutcome
from metrics_pipeline.operations.call_retry import RetriesExhausted
from metrics_pipeline.operations.failures import cause_from_decision
from metrics_pipeline.security.credentials import connection_secrets
from metrics_pipeline.security.pii import pii_key
from metrics_pipeline.sources.shopify.client import (
    ClientCredentials,
    ShopifyClient,
    ShopifyError,
    ShopifySettings,
    classify_shopify_error,
    describe_error,
    is_auth_error,
)
from metrics_pipeline.sources.shopify.extract import (
    fetch_access_scopes,
    fetch_customers,
    fetch_orders,
    fetch_orders_bulk,
    fetch_products,
    fetch_shop,
    fetch_variants,
)
from metrics_pipeline.sources.shopify.rows import (
    OrderRows,
    ShopifyRowError,
    ShopInfo,
    costs_frame,
    customer_row,
    customers_frame,
    order_rows,
    orders_frames,
    product_row,
    products_frame,
    shop_frame,
    shop_info,
    unit_cost,
    variant_row,
    variants_frame,
)

SQL_DIR = Path(__file__).parent / "sql"
ALL_ORDERS_SCOPE = "read_all_orders"
SOURCE = "shopify"
PROVIDER = "shopify"
CATALOGUE_TABLES = ("raw_shopify.shops", "raw_shopify.products", "raw_shopify.product_variants")
ORDER_TABLES = ("raw_shopify.orders", "raw_shopify.order_line_items", "raw_shopify.refunds")

# What can go wrong talking to Shopify about one shop; anything else is a bug and is raised.
_SHOP_FAILURES = (ShopifyError, RetriesExhausted, ShopifyRowError, ConfigError, requests.RequestException)

Log = Callable[[str], None]


@dataclass(frozen=True)
class _Fetched:
    info: ShopInfo
    products: list[dict]
    variants: list[dict]
    costs: list[tuple[int, str]]
    orders: list[OrderRows]
    customers: list[dict]
    since: datetime | None
    pages: int
    follow_ups: int
    bulk_operation: str | None  # the bulk operation that read the orders (a sync with no cursor)
    bulk_objects: int
    all_orders: bool  # the app has read_all_orders: older than 60 days orders were visible
    grants: int  # client credentials tokens asked for (0 with a permanent token)

    @property
    def warning(self) -> str | None:
        if self.all_orders:
            return None
        return (
            f"the app lacks the {ALL_ORDERS_SCOPE} scope, so Shopify shows it only the last 60 days of orders:"
            " older orders are not landed; grant the scope and the next sync re-reads the full history"
        )


def sync_shopify(
    url: str,
    config: PipelineConfig,
    *,
    run_id: str,
    log: Log = lambda message: None,
    now: datetime | None = None,
    settings: ShopifySettings | None = None,
) -> list[TargetOutcome]:
    """Sync every active Shopify connection's shop; one outcome per shop, failures included."""
    now = aware(now)
    settings = settings or ShopifySettings.from_environ()
    connections = config.connections_for(PROVIDER)
    if not connections:
        return []
    key = pii_key()  # before any attempt: without it nothing with an email may land
    outcomes = []
    for connection in connections:
        outcome = _sync_shop(url, connection, key, run_id=run_id, log=log, now=now, settings=settings)
        outcomes.append(outcome)
        log(_describe(outcome))
    return outcomes


def _sync_shop(
    url: str,
    connection: Connection,
    key: bytes,
    *,
    run_id: str,
    log: Log,
    now: datetime,
    settings: ShopifySettings,
) -> TargetOutcome:
    shop_domain = connection.shop_domain or ""
    partition_key = now.date().isoformat()
    log_id = start_attempt(url, source=SOURCE, partition_key=partition_key, target=shop_domain, run_id=run_id)
    secrets: tuple[str, ...] = ()
    client: ShopifyClient | None = None  # its secrets include a granted token, once it has one
    try:
        found = connection_secrets(connection)
        secrets = tuple(found.values())
        token: str | ClientCredentials = (
            found["access_token"]
            if "access_token" in found
            else ClientCredentials(found["client_id"], found["client_secret"])
        )
        cursor = _read_cursor(url, shop_domain)
        client = ShopifyClient(shop_domain, token, settings=settings, log=log)
        with client:
            fetched = _fetch(client, settings, shop_domain, key, cursor, connection.lookback_days, log)
    except _SHOP_FAILURES as exc:
        return _fail_shop(url, connection, log_id, partition_key, exc, (*secrets, *(client.secrets if client else ())))
    except Exception as exc:
        _fail_shop(url, connection, log_id, partition_key, exc, (*secrets, *(client.secrets if client else ())))
        raise

    try:
        with psycopg.connect(url) as conn, conn.transaction():
            counts = _land(conn, connection, fetched, run_id=run_id, now=now)
            message = _message(fetched, counts)
            finish_attempt(
                conn,
                log_id,
                status="completed",
                processed=len(fetched.orders),
                loaded=len(fetched.orders),
                message=message,
            )
            record_account_state(
                conn, connection_id=connection.id, account_id=shop_domain, status="ok", warning=fetched.warning
            )
    except Exception as exc:
        # The data transaction rolled back: nothing of this shop changed. Say so in its log row.
        _fail_shop(url, connection, log_id, partition_key, exc, secrets, prefix="not landed: ")
        raise
    return TargetOutcome(
        connection.id,
        shop_domain,
        "completed",
        "ok",
        (partition_key,),
        len(fetched.orders),
        counts=(
            ("line_items", sum(len(o.line_items) for o in fetched.orders)),
            ("refunds", sum(len(o.refunds) for o in fetched.orders)),
            ("customers", len(fetched.customers)),
            ("products", len(fetched.products)),
            ("variants", len(fetched.variants)),
            ("cost_observations", counts["cost_observations"]),  # new rows in variant_cost_observations
            ("order_pages", fetched.pages),
            ("token_grants", fetched.grants),
        ),
        message=message,
    )


def _fetch(
    client: ShopifyClient,
    settings: ShopifySettings,
    shop_domain: str,
    key: bytes,
    cursor: tuple[datetime, bool] | None,
    lookback_days: int,
    log: Log,
) -> _Fetched:
    info = shop_info(fetch_shop(client), shop_domain)
    all_orders = ALL_ORDERS_SCOPE in fetch_access_scopes(client)
    if cursor is None:
        since = None
    elif all_orders and not cursor[1]:
        since = None  # the scope came back: the history read without it was cut at 60 days
        log(f"shopify {shop_domain}: the app has {ALL_ORDERS_SCOPE} again; re-reading the full order history")
    else:
        since = cursor[0] - timedelta(days=lookback_days)
    if not all_orders:
        log(
            f"shopify {shop_domain}: WARNING: no {ALL_ORDERS_SCOPE} scope: Shopify shows this app only the last"
            " 60 days of orders; older ones are not landed"
        )
    products = [product_row(node, shop_domain) for node in fetch_products(client, settings)]
    variant_nodes = fetch_variants(client, settings)
    variants = [variant_row(node, shop_domain) for node in variant_nodes]
    costs = [
        (row["variant_id"], cost)
        for row, node in zip(variants, variant_nodes, strict=True)
        if (cost := unit_cost(node, info.currency)) is not None
    ]
    # No cursor: the whole history, which a bulk operation reads without paging or throttling.
    if since is None and settings.first_sync == "bulk":
        read = fetch_orders_bulk(client, settings, log)
    else:
        read = fetch_orders(client, settings, since)
    orders = [order_rows(node, shop_domain, info.currency, key) for node in read.orders]
    customer_ids = sorted({o.order["customer_id"] for o in orders if o.order["customer_id"] is not None})
    customers = [customer_row(node, shop_domain, key) for node in fetch_customers(client, settings, customer_ids)]
    return _Fetched(
        info,
        products,
        variants,
        costs,
        orders,
        customers,
        since,
        read.pages,
        read.follow_ups,
        read.bulk_operation,
        read.bulk_objects,
        all_orders,
        client.tokens.grants,
    )


def _land(
    conn: psycopg.Connection, connection: Connection, fetched: _Fetched, *, run_id: str, now: datetime
) -> dict[str, int]:
    shop_domain = connection.shop_domain or ""
    params = {"shop_domain": shop_domain}
    conn.execute(read_sql(SQL_DIR, "lock_shop"), params)
    for table in CATALOGUE_TABLES:
        conn.execute(
            sql.SQL(read_sql(SQL_DIR, "delete_shop_rows")).format(table=sql.Identifier(*table.split("."))), params
        )
    copy_frame(
        conn,
        "raw_shopify.shops",
        shop_frame(fetched.info, connection_id=connection.id, run_id=run_id, extracted_at=now),
    )
    copy_frame(conn, "raw_shopify.products", products_frame(fetched.products, run_id=run_id, extracted_at=now))
    copy_frame(conn, "raw_shopify.product_variants", variants_frame(fetched.variants, run_id=run_id, extracted_at=now))
    conn.execute(read_sql(SQL_DIR, "create_seen_costs"))
    copy_frame(conn, "pg_temp.shopify_seen_costs", costs_frame(fetched.costs))
    observed = conn.execute(
        read_sql(SQL_DIR, "record_cost_observations"), {**params, "observed_at": now, "run_id": run_id}
    ).rowcount

    order_ids = [o.order["order_id"] for o in fetched.orders]
    if order_ids:
        conn.execute(read_sql(SQL_DIR, "delete_refund_line_items_of_orders"), {**params, "order_ids": order_ids})
        for table in ORDER_TABLES:
            conn.execute(
                sql.SQL(read_sql(SQL_DIR, "delete_order_rows")).format(table=sql.Identifier(*table.split("."))),
                {**params, "order_ids": order_ids},
            )
        for table, frame in orders_frames(fetched.orders, run_id=run_id, extracted_at=now).items():
            copy_frame(conn, table, frame)
        newest = max(o.order["updated_at"] for o in fetched.orders)
        conn.execute(
            read_sql(SQL_DIR, "advance_cursor"),
            {**params, "orders_updated_at": newest, "all_orders": fetched.all_orders},
        )
    customer_ids = [c["customer_id"] for c in fetched.customers]
    if customer_ids:
        conn.execute(read_sql(SQL_DIR, "delete_customers"), {**params, "customer_ids": customer_ids})
        copy_frame(conn, "raw_shopify.customers", customers_frame(fetched.customers, run_id=run_id, extracted_at=now))
    return {"cost_observations": max(observed, 0)}


def _read_cursor(url: str, shop_domain: str) -> tuple[datetime, bool] | None:
    """(the newest updated_at landed, whether it was read with read_all_orders); None: no cursor."""
    with psycopg.connect(url) as conn:
        row = conn.execute(read_sql(SQL_DIR, "read_cursor"), {"shop_domain": shop_domain}).fetchone()
    return (row[0], row[1]) if row else None


def _fail_shop(
    url: str,
    connection: Connection,
    log_id: int,
    partition_key: str,
    exc: BaseException,
    secrets: Sequence[str],
    prefix: str = "",
) -> TargetOutcome:
    state = "auth_error" if is_auth_error(exc) else "error"
    shop_domain = connection.shop_domain or ""
    return fail_target(
        url,
        connection_id=connection.id,
        account_id=shop_domain,
        target=shop_domain,
        log_ids=[log_id],
        partition_keys=[partition_key],
        state=state,
        cause=cause_from_decision(exc, classify_shopify_error, auth_error=state == "auth_error"),
        message=prefix + describe_error(exc, secrets),
    )


def _message(fetched: _Fetched, counts: dict[str, int]) -> str:
    window = (
        "full history"
        if fetched.since is None
        else (f"updated since {fetched.since.astimezone(UTC).strftime('%Y-%m-%d %H:%M')} UTC")
    )
    reading = (
        f"bulk operation {fetched.bulk_operation}: {fetched.bulk_objects} objects"
        if fetched.bulk_operation
        else f"{fetched.pages} pages"
    )
    message = (
        f"{len(fetched.orders)} orders ({window}; {reading}, {fetched.follow_ups} follow-ups), "
        f"{sum(len(o.refunds) for o in fetched.orders)} refunds, {len(fetched.customers)} customers; "
        f"{len(fetched.products)} products, {len(fetched.variants)} variants, "
        f"{counts['cost_observations']} new unit costs"
    )
    return message if fetched.warning is None else f"{message}; WARNING: {fetched.warning}"


def _describe(outcome: TargetOutcome) -> str:
    if outcome.status == "failed":
        return f"shopify {outcome.target}: FAILED ({outcome.state}): {outcome.message}"
    return f"shopify {outcome.target}: {outcome.message}"
