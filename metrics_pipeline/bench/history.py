"""Agency-scale synthetic history, written straight into the landing (raw_*) tables.

The transform and nightly benchmarks need months of history at volumes the sandbox's
servers could never serve in time, so this seeder skips the connectors and fills the raw
tables with `insert … select … generate_series` (Postgres makes every row; no Python row
loop), in the shapes the connectors land:

- Google Ads: synthetic customers under the sandbox's `harbor-google` connection (client
  citrus-kitchen, EUR), each 10 campaigns × 4 ad groups × 5 ads; every ad delivers every day;
- Meta: synthetic ad accounts under `northstar-meta` (client acme-outdoor, USD), the same shape;
- media partner: rows for acme-outdoor and citrus-kitchen, one per creative and day;
- Shopify: one synthetic shop per client (`bench-<client>.myshopify.com`, reached through the
  client's sandbox Shopify connection), products with a unit cost, orders with two lines;
- pixel: per order a touch (a gclid with its click view for citrus, UTMs naming the Meta
  campaign for acme) and the checkout_completed event carrying the order's checkout token,
  so journeys convert and attribution links fill; the rest are anonymous page views.

Synthetic accounts, shops and sites never collide with the sandbox's own ids, so a sandbox
run landing on top (the nightly benchmark) replaces only its own accounts and days. Numbers
come from integer arithmetic on the ids and the day, so a seed is deterministic.

The config tables must be landed first (see `bench_config_document`): every synthetic row
points at a real workspace, client and connection, and CPM and FX rates reach back to the
first seeded day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import psycopg

# Synthetic id ranges, far from the sandbox's (Google 1111111111.., Meta 1000000xx, orders < 1e7).
GOOGLE_CUSTOMER_BASE = 9_000_000_000
GOOGLE_ID_BASE = 900_000_000_000
META_ACCOUNT_BASE = 800_000_000
META_ID_BASE = 800_000_000_000
ORDER_ID_BASE = 5_000_000_000_000
VARIANT_ID_BASE = 7_000_000_000
PRODUCT_ID_BASE = 6_000_000_000
CUSTOMER_ID_BASE = 4_000_000_000

# The sandbox's tenants the synthetic rows belong to (see metrics_pipeline/sandbox/world.py).
GOOGLE_CONNECTION = "harbor-google"  # client citrus-kitchen, EUR
GOOGLE_CURRENCY, GOOGLE_TIMEZONE = "EUR", "Europe/Berlin"
META_CONNECTION = "northstar-meta"  # client acme-outdoor, USD
META_CURRENCY, META_TIMEZONE = "USD", "America/New_York"
# (client, shop connection, pixel site, currency, time zone); orders alternate between them
SHOPS = (
    ("acme-outdoor", "northstar-shopify", "px-acme-outdoor", "USD", "America/New_York"),
    ("citrus-kitchen", "harbor-shopify", "px-citrus-kitchen", "EUR", "Europe/Berlin"),
)
PARTNER_CLIENTS = ("acme-outdoor", "citrus-kitchen")

ADS_PER_AD_GROUP = 5
AD_GROUPS_PER_CAMPAIGN = 4
CAMPAIGNS_PER_ACCOUNT = 10
ADS_PER_CAMPAIGN = ADS_PER_AD_GROUP * AD_GROUPS_PER_CAMPAIGN
ADS_PER_ACCOUNT = ADS_PER_CAMPAIGN * CAMPAIGNS_PER_ACCOUNT
PRODUCTS_PER_SHOP = 40
VARIANTS_PER_PRODUCT = 2
LINES_PER_ORDER = 2
PIXEL_EVENTS_PER_ORDER = 2  # the ad touch and the checkout_completed event
CUSTOMERS_PER_SHOP_PER_ORDER_DAY = 20  # customer pool = 20 days' orders: repeat buyers
RUN_ID = "bench-history"
EPOCH = date(2000, 1, 1)  # day numbers (day - EPOCH) key orders and events


@dataclass(frozen=True)
class HistoryVolume:
    """Rows per day of history, per source."""

    ad_rows_per_day: int  # Google Ads + Meta + media partner
    orders_per_day: int
    pixel_events_per_day: int

    @property
    def google_ads(self) -> int:
        return _round_up(self.ad_rows_per_day * 45 // 100, ADS_PER_AD_GROUP)

    @property
    def meta_ads(self) -> int:
        return _round_up(self.ad_rows_per_day * 45 // 100, ADS_PER_AD_GROUP)

    @property
    def partner_creatives_per_client(self) -> int:
        rest = max(self.ad_rows_per_day - self.google_ads - self.meta_ads, len(PARTNER_CLIENTS))
        return max(1, rest // len(PARTNER_CLIENTS))

    @property
    def filler_pixel_events(self) -> int:
        return max(0, self.pixel_events_per_day - PIXEL_EVENTS_PER_ORDER * self.orders_per_day)


# default: ~110,000 ad rows a year, so the whole `make bench` can fit in 30 minutes on 2 cores
# (at 1,000 ad rows a day the 1-year full dbt build alone took 13 minutes: every dbt test reads
# all of history); large: the agency scale over two years (>= 10M ad rows, >= 1M
# orders, >= 10M pixel events).
VOLUMES = {
    "small": HistoryVolume(ad_rows_per_day=100, orders_per_day=10, pixel_events_per_day=100),
    "default": HistoryVolume(ad_rows_per_day=300, orders_per_day=30, pixel_events_per_day=300),
    "large": HistoryVolume(ad_rows_per_day=14_000, orders_per_day=1_400, pixel_events_per_day=14_000),
}


def _round_up(n: int, step: int) -> int:
    return max(step, math.ceil(n / step) * step)


def day_range(last_day: date, days: int) -> tuple[date, date]:
    """The `days` days ending on `last_day`, as (first, last)."""
    return last_day - timedelta(days=days - 1), last_day


def planned_rows(volume: HistoryVolume, days: int) -> dict[str, int]:
    """The rows a seed of `days` days writes per raw fact table (entities not included)."""
    orders = volume.orders_per_day * days
    return {
        "raw_google_ads.ad_daily_metrics": volume.google_ads * days,
        "raw_meta.ad_daily_insights": volume.meta_ads * days,
        "raw_media_partner.daily_exports": volume.partner_creatives_per_client * len(PARTNER_CLIENTS) * days,
        "raw_shopify.orders": orders,
        "raw_shopify.order_line_items": orders * LINES_PER_ORDER,
        "raw_pixel.events": (PIXEL_EVENTS_PER_ORDER * volume.orders_per_day + volume.filler_pixel_events) * days,
    }


def ad_metric_rows(counts: dict[str, int]) -> int:
    return sum(
        counts[t]
        for t in ("raw_google_ads.ad_daily_metrics", "raw_meta.ad_daily_insights", "raw_media_partner.daily_exports")
    )


def planned_entities(volume: HistoryVolume) -> dict[str, int]:
    return {
        "raw_google_ads.customers": math.ceil(volume.google_ads / ADS_PER_ACCOUNT),
        "raw_google_ads.ads": volume.google_ads,
        "raw_meta.ad_accounts": math.ceil(volume.meta_ads / ADS_PER_ACCOUNT),
        "raw_meta.ads": volume.meta_ads,
        "raw_shopify.product_variants": len(SHOPS) * PRODUCTS_PER_SHOP * VARIANTS_PER_PRODUCT,
    }


# --------------------------------------------------------------------------- #
# SQL. %(n)s = ads of the platform; ad index i = 0 .. n-1 maps to ids arithmetically.
# --------------------------------------------------------------------------- #

_GOOGLE_ENTITIES = f"""
insert into raw_google_ads.customers (customer_id, connection_id, descriptive_name, currency_code, time_zone,
    is_manager, status, ingestion_run_id, extracted_at)
select {GOOGLE_CUSTOMER_BASE} + a, '{GOOGLE_CONNECTION}', 'Bench Google ' || a, '{GOOGLE_CURRENCY}',
    '{GOOGLE_TIMEZONE}', false, 'ENABLED', '{RUN_ID}', now()
from generate_series(0, (%(n)s - 1) / {ADS_PER_ACCOUNT}) a
on conflict do nothing;

insert into raw_google_ads.campaigns (customer_id, campaign_id, name, status, advertising_channel_type,
    bidding_strategy_type, ingestion_run_id, extracted_at)
select {GOOGLE_CUSTOMER_BASE} + c / {CAMPAIGNS_PER_ACCOUNT}, {GOOGLE_ID_BASE} + c, 'Bench Search ' || c,
    'ENABLED', 'SEARCH', 'MAXIMIZE_CONVERSIONS', '{RUN_ID}', now()
from generate_series(0, (%(n)s - 1) / {ADS_PER_CAMPAIGN}) c
on conflict do nothing;

insert into raw_google_ads.ad_groups (customer_id, ad_group_id, campaign_id, name, status, type,
    ingestion_run_id, extracted_at)
select {GOOGLE_CUSTOMER_BASE} + g / {AD_GROUPS_PER_CAMPAIGN * CAMPAIGNS_PER_ACCOUNT},
    {GOOGLE_ID_BASE} + 100000000 + g, {GOOGLE_ID_BASE} + g / {AD_GROUPS_PER_CAMPAIGN},
    'Bench Ad Group ' || g, 'ENABLED', 'SEARCH_STANDARD', '{RUN_ID}', now()
from generate_series(0, (%(n)s - 1) / {ADS_PER_AD_GROUP}) g
on conflict do nothing;

insert into raw_google_ads.ads (customer_id, ad_group_id, ad_id, campaign_id, name, status, type,
    ingestion_run_id, extracted_at)
select {GOOGLE_CUSTOMER_BASE} + i / {ADS_PER_ACCOUNT}, {GOOGLE_ID_BASE} + 100000000 + i / {ADS_PER_AD_GROUP},
    {GOOGLE_ID_BASE} + 200000000 + i, {GOOGLE_ID_BASE} + i / {ADS_PER_CAMPAIGN},
    'Bench Ad ' || i, 'ENABLED', 'RESPONSIVE_SEARCH_AD', '{RUN_ID}', now()
from generate_series(0, %(n)s - 1) i
on conflict do nothing;
"""

# h: a cheap deterministic "random" per ad and day in 0..9999
_GOOGLE_METRICS = f"""
insert into raw_google_ads.ad_daily_metrics (customer_id, campaign_id, ad_group_id, ad_id, metric_date,
    cost_micros, impressions, clicks, conversions, conversions_value, ingestion_run_id, extracted_at)
select customer_id, campaign_id, ad_group_id, ad_id, day, clicks * (200000 + h %% 800000 / 10 * 10),
    impressions, clicks, (clicks / 12) + (h %% 2) * 0.5, ((clicks / 12) + (h %% 2) * 0.5) * (40 + h %% 60),
    '{RUN_ID}', now()
from (
    select ads.*, d::date as day, h, 200 + h %% 1800 as impressions, (200 + h %% 1800) / (15 + h %% 40) as clicks
    from raw_google_ads.ads
    cross join generate_series(%(first)s::date, %(last)s::date, interval '1 day') d
    cross join lateral (select ((ads.ad_id %% 100003) * 7919 + (d::date - date '{EPOCH}') * 104729) %% 10000 as h) r
    where ads.customer_id >= {GOOGLE_CUSTOMER_BASE}
) x
"""

_GOOGLE_CLICK_VIEWS = f"""
insert into raw_google_ads.click_views (customer_id, click_date, gclid, campaign_id, ad_group_id, ad_id,
    ingestion_run_id, extracted_at)
select {GOOGLE_CUSTOMER_BASE} + i / {ADS_PER_ACCOUNT}, day, 'bench-g-' || order_id,
    {GOOGLE_ID_BASE} + i / {ADS_PER_CAMPAIGN}, {GOOGLE_ID_BASE} + 100000000 + i / {ADS_PER_AD_GROUP},
    {GOOGLE_ID_BASE} + 200000000 + i, '{RUN_ID}', now()
from (
    select o.*, (order_id %% %(n)s) as i from ({{orders}}) o where shop = 1
) x
"""

_META_ENTITIES = f"""
insert into raw_meta.ad_accounts (account_id, connection_id, name, currency, timezone_name, account_status,
    ingestion_run_id, extracted_at)
select ({META_ACCOUNT_BASE} + a)::text, '{META_CONNECTION}', 'Bench Meta ' || a, '{META_CURRENCY}',
    '{META_TIMEZONE}', 1, '{RUN_ID}', now()
from generate_series(0, (%(n)s - 1) / {ADS_PER_ACCOUNT}) a
on conflict do nothing;

insert into raw_meta.campaigns (account_id, campaign_id, name, status, effective_status, objective,
    ingestion_run_id, extracted_at)
select ({META_ACCOUNT_BASE} + c / {CAMPAIGNS_PER_ACCOUNT})::text, ({META_ID_BASE} + c)::text,
    'Bench Prospecting ' || c, 'ACTIVE', 'ACTIVE', 'OUTCOME_SALES', '{RUN_ID}', now()
from generate_series(0, (%(n)s - 1) / {ADS_PER_CAMPAIGN}) c
on conflict do nothing;

insert into raw_meta.adsets (account_id, adset_id, campaign_id, name, status, effective_status,
    optimization_goal, ingestion_run_id, extracted_at)
select ({META_ACCOUNT_BASE} + g / {AD_GROUPS_PER_CAMPAIGN * CAMPAIGNS_PER_ACCOUNT})::text,
    ({META_ID_BASE} + 100000000 + g)::text, ({META_ID_BASE} + g / {AD_GROUPS_PER_CAMPAIGN})::text,
    'Bench Ad Set ' || g, 'ACTIVE', 'ACTIVE', 'OFFSITE_CONVERSIONS', '{RUN_ID}', now()
from generate_series(0, (%(n)s - 1) / {ADS_PER_AD_GROUP}) g
on conflict do nothing;

insert into raw_meta.ads (account_id, ad_id, adset_id, campaign_id, name, status, effective_status,
    ingestion_run_id, extracted_at)
select ({META_ACCOUNT_BASE} + i / {ADS_PER_ACCOUNT})::text, ({META_ID_BASE} + 200000000 + i)::text,
    ({META_ID_BASE} + 100000000 + i / {ADS_PER_AD_GROUP})::text, ({META_ID_BASE} + i / {ADS_PER_CAMPAIGN})::text,
    'Bench Creative ' || i, 'ACTIVE', 'ACTIVE', '{RUN_ID}', now()
from generate_series(0, %(n)s - 1) i
on conflict do nothing;
"""

_META_INSIGHTS = f"""
insert into raw_meta.ad_daily_insights (account_id, campaign_id, adset_id, ad_id, date_start, spend,
    impressions, clicks, purchases, purchase_value, leads, attribution_windows, ingestion_run_id, extracted_at)
select account_id, campaign_id, adset_id, ad_id, day, impressions * (4 + h %% 9) / 1000.0,
    impressions, clicks, clicks / 25, (clicks / 25) * (50 + h %% 50), h %% 3, '7d_click,1d_view', '{RUN_ID}', now()
from (
    select ads.*, d::date as day, h, 500 + h %% 4500 as impressions, (500 + h %% 4500) / (40 + h %% 60) as clicks
    from raw_meta.ads
    cross join generate_series(%(first)s::date, %(last)s::date, interval '1 day') d
    cross join lateral (select ((ads.ad_id::bigint %% 100003) * 7919 + (d::date - date '{EPOCH}') * 104729)
        %% 10000 as h) r
    where ads.account_id::bigint >= {META_ACCOUNT_BASE}
) x
"""

_PARTNER_ROWS = f"""
insert into raw_media_partner.daily_exports (client_slug, report_date, campaign_name, strategy_name,
    placement_name, creative_name, impressions, clicks, reported_ctr, conversions, conversion_revenue,
    source_file, source_row_number, ingestion_run_id)
select client_slug, day, 'Bench Campaign ' || k / 40, 'Strategy ' || k / 10, 'Placement ' || k / 2,
    'Creative ' || k, impressions, impressions / (60 + h %% 90), null, impressions / 2000,
    (impressions / 2000) * (30 + h %% 70), 'bench/media_partner/' || client_slug || '/' || day || '.csv',
    k + 2, '{RUN_ID}'
from (
    select c as client_slug, d::date as day, k, h, 1000 + h %% 9000 as impressions
    from unnest(%(clients)s::text[]) c
    cross join generate_series(%(first)s::date, %(last)s::date, interval '1 day') d
    cross join generate_series(0, %(creatives)s - 1) k
    cross join lateral (select (k * 7919 + (d::date - date '{EPOCH}') * 104729 + length(c)) %% 10000 as h) r
) x
"""

_SHOPS = """
insert into raw_shopify.shops (shop_domain, connection_id, name, currency, timezone, ingestion_run_id, extracted_at)
select 'bench-' || client || '.myshopify.com', connection, 'Bench ' || client, currency, zone, %(run)s, now()
from unnest(%(clients)s::text[], %(connections)s::text[], %(currencies)s::text[], %(zones)s::text[])
    as s(client, connection, currency, zone)
on conflict do nothing
"""

_PRODUCTS = f"""
insert into raw_shopify.products (shop_domain, product_id, title, product_type, vendor, status,
    ingestion_run_id, extracted_at)
select shop_domain, {PRODUCT_ID_BASE} + s * 1000 + p, 'Bench Product ' || p, 'Gear', 'Bench', 'ACTIVE',
    '{RUN_ID}', now()
from (select shop_domain, row_number() over (order by shop_domain) - 1 as s from raw_shopify.shops
      where shop_domain like 'bench-%%') shops
cross join generate_series(0, {PRODUCTS_PER_SHOP - 1}) p
on conflict do nothing;

insert into raw_shopify.product_variants (shop_domain, variant_id, product_id, sku, title, price,
    inventory_item_id, ingestion_run_id, extracted_at)
select shop_domain, {VARIANT_ID_BASE} + s * 1000 + v, {PRODUCT_ID_BASE} + s * 1000 + v / {VARIANTS_PER_PRODUCT},
    'BENCH-' || s || '-' || v, 'Variant ' || v, 20 + (v * 37) %% 80, null, '{RUN_ID}', now()
from (select shop_domain, row_number() over (order by shop_domain) - 1 as s from raw_shopify.shops
      where shop_domain like 'bench-%%') shops
cross join generate_series(0, {PRODUCTS_PER_SHOP * VARIANTS_PER_PRODUCT - 1}) v
on conflict do nothing;

insert into raw_shopify.variant_cost_observations (shop_domain, variant_id, unit_cost, observed_at,
    ingestion_run_id)
select shop_domain, variant_id, round(price * 0.4, 2), timestamptz '2020-01-01', '{RUN_ID}'
from raw_shopify.product_variants where shop_domain like 'bench-%%'
on conflict do nothing;
"""

# The synthetic orders of [first, last]: (order_id, shop 0|1, day, n-th of the day). Reused by
# the orders, lines, customers, click views and pixel inserts, so they all agree.
_ORDERS = f"""
select {ORDER_ID_BASE} + (d::date - date '{EPOCH}') * 100000 + n as order_id, n %% 2 as shop, d::date as day, n
from generate_series(%(first)s::date, %(last)s::date, interval '1 day') d
cross join generate_series(0, %(orders)s - 1) n
"""

# The touch an hour before and the checkout at the order's time, both in the shop's zone
_ORDER_TIMES = """
(day + time '08:00' + (n * 97 %% 43200) * interval '1 second') at time zone shop_zone
"""

_SHOPIFY_ORDERS = f"""
insert into raw_shopify.orders (shop_domain, order_id, order_name, created_at, processed_at, updated_at,
    cancelled_at, financial_status, currency, subtotal_price, total_discounts, total_shipping, total_tax,
    total_price, customer_id, email_hash, landing_site, source_name, checkout_token, utm_source, utm_medium,
    utm_campaign, utm_id, gclid, ingestion_run_id, extracted_at)
select shop_domain, order_id, '#B' || order_id, at, at, at, null, 'PAID', currency, subtotal, 0, 5, 0,
    subtotal + 5, customer_id, md5('bench-customer-' || customer_id), landing_site, 'web',
    'bench-ck-' || order_id, utm_source, utm_medium, utm_campaign, utm_id, gclid, '{RUN_ID}', now()
from (
    select o.*, shops.shop_domain, shops.currency, {_ORDER_TIMES} as at,
        {CUSTOMER_ID_BASE} + shop * 100000000 + (order_id * 7919) %% %(customers)s as customer_id,
        lines.subtotal,
        case when shop = 1 then 'https://shop.example/?gclid=bench-g-' || order_id
             else 'https://shop.example/?utm_source=facebook&utm_medium=paid&utm_id=' || campaign_id end
            as landing_site,
        case when shop = 0 then 'facebook' end as utm_source,
        case when shop = 0 then 'paid' end as utm_medium,
        case when shop = 0 then 'Bench Prospecting ' || campaign_index end as utm_campaign,
        case when shop = 0 then campaign_id end as utm_id,
        case when shop = 1 then 'bench-g-' || order_id end as gclid
    from ({_ORDERS}) o
    join (select shop_domain, currency, timezone as shop_zone, row_number() over (order by shop_domain) - 1 as s
          from raw_shopify.shops where shop_domain like 'bench-%%') shops on shops.s = o.shop
    cross join lateral (
        select sum(price * (1 + (o.order_id + k) %% 3)) as subtotal
        from generate_series(0, {LINES_PER_ORDER - 1}) k
        cross join lateral (select 20 + (((o.order_id * 31 + k * 17) %% {PRODUCTS_PER_SHOP * VARIANTS_PER_PRODUCT})
            * 37) %% 80 as price) p
    ) lines
    cross join lateral (select (o.order_id %% %(meta_campaigns)s) as campaign_index) mc
    cross join lateral (select ({META_ID_BASE} + campaign_index)::text as campaign_id) mci
) x
"""

_SHOPIFY_LINES = f"""
insert into raw_shopify.order_line_items (shop_domain, order_id, line_item_id, product_id, variant_id, sku,
    title, quantity, original_unit_price, total_discount, ingestion_run_id)
select shops.shop_domain, o.order_id, o.order_id * 10 + k, {PRODUCT_ID_BASE} + shops.s * 1000 + v / {VARIANTS_PER_PRODUCT},
    {VARIANT_ID_BASE} + shops.s * 1000 + v, 'BENCH-' || shops.s || '-' || v, 'Bench Product ' || v / {VARIANTS_PER_PRODUCT},
    1 + (o.order_id + k) %% 3, 20 + (v * 37) %% 80, 0, '{RUN_ID}'
from ({_ORDERS}) o
join (select shop_domain, row_number() over (order by shop_domain) - 1 as s
      from raw_shopify.shops where shop_domain like 'bench-%%') shops on shops.s = o.shop
cross join generate_series(0, {LINES_PER_ORDER - 1}) k
cross join lateral (select (o.order_id * 31 + k * 17) %% {PRODUCTS_PER_SHOP * VARIANTS_PER_PRODUCT} as v) vv
"""

_SHOPIFY_CUSTOMERS = f"""
insert into raw_shopify.customers (shop_domain, customer_id, email_hash, created_at, updated_at,
    ingestion_run_id, extracted_at)
select distinct on (shop_domain, customer_id) shop_domain, customer_id, email_hash,
    timestamptz '2020-01-01', timestamptz '2020-01-01', '{RUN_ID}', now()
from raw_shopify.orders where shop_domain like 'bench-%%' and processed_at::date between %(first)s and %(last)s + 1
on conflict do nothing
"""

_PIXEL_ORDER_EVENTS = f"""
insert into raw_pixel.events (event_id, site_id, event_type, occurred_at, event_date, visitor_id, session_id,
    page_url, landing_page, utm_source, utm_medium, utm_campaign, utm_id, gclid, checkout_token, order_value,
    currency, source_file, source_line, ingestion_run_id)
select 'bench-' || e.kind || '-' || orders.order_id, s.site, e.event_type, e.at, o.day,
    'bench-v-' || orders.order_id, 'bench-s-' || orders.order_id, e.page, e.page, e.utm_source, e.utm_medium,
    e.utm_campaign, e.utm_id, e.gclid, e.token, e.value, orders.currency, 'bench/pixel/' || day || '.jsonl', 1, '{RUN_ID}'
from (select order_id, processed_at as placed_at, currency, landing_site, utm_source, utm_medium, utm_campaign,
             utm_id, gclid, total_price, shop_domain
      from raw_shopify.orders where shop_domain like 'bench-%%') orders
join ({_ORDERS}) o on o.order_id = orders.order_id
cross join lateral (values
    ('touch', 'page_view', orders.placed_at - interval '1 hour', orders.landing_site, orders.utm_source,
     orders.utm_medium, orders.utm_campaign, orders.utm_id, orders.gclid, null, null::numeric),
    ('checkout', 'checkout_completed', orders.placed_at, 'https://shop.example/thank-you', null, null, null,
     null, null, 'bench-ck-' || orders.order_id, orders.total_price)
) e(kind, event_type, at, page, utm_source, utm_medium, utm_campaign, utm_id, gclid, token, value)
cross join lateral (select case when o.shop = 0 then %(site0)s else %(site1)s end as site) s
"""

_PIXEL_FILLER = f"""
insert into raw_pixel.events (event_id, site_id, event_type, occurred_at, event_date, visitor_id, session_id,
    page_url, landing_page, referrer, source_file, source_line, ingestion_run_id)
select 'bench-pv-' || (d::date - date '{EPOCH}') || '-' || n, case when n %% 2 = 0 then %(site0)s else %(site1)s end,
    'page_view', (d::date + time '06:00' + (n * 13 %% 57600) * interval '1 second') at time zone 'UTC', d::date,
    'bench-a-' || (d::date - date '{EPOCH}') || '-' || n / 4, 'bench-as-' || (d::date - date '{EPOCH}') || '-' || n / 4,
    'https://shop.example/p/' || n %% 50, 'https://shop.example/', null,
    'bench/pixel/' || d::date || '.jsonl', 2 + n, '{RUN_ID}'
from generate_series(%(first)s::date, %(last)s::date, interval '1 day') d
cross join generate_series(0, %(filler)s - 1) n
"""

ANALYZED_TABLES = (
    "raw_google_ads.ad_daily_metrics",
    "raw_google_ads.click_views",
    "raw_meta.ad_daily_insights",
    "raw_media_partner.daily_exports",
    "raw_shopify.orders",
    "raw_shopify.order_line_items",
    "raw_shopify.customers",
    "raw_pixel.events",
)


def seed_entities(conn: psycopg.Connection, volume: HistoryVolume) -> None:
    """Accounts, campaigns, ad groups/sets, ads, shops, products; idempotent (on conflict do nothing)."""
    _execute_each(conn, _GOOGLE_ENTITIES, {"n": volume.google_ads})
    _execute_each(conn, _META_ENTITIES, {"n": volume.meta_ads})
    conn.execute(
        _SHOPS,
        {
            "run": RUN_ID,
            "clients": [s[0] for s in SHOPS],
            "connections": [s[1] for s in SHOPS],
            "currencies": [s[3] for s in SHOPS],
            "zones": [s[4] for s in SHOPS],
        },
    )
    _execute_each(conn, _PRODUCTS, {})


def _execute_each(conn: psycopg.Connection, statements: str, params: dict) -> None:
    """Run `;`-separated statements one by one: a parameterised query is one statement each."""
    for statement in statements.split(";\n"):
        if statement.strip():
            conn.execute(statement, params)


def seed_history(conn: psycopg.Connection, volume: HistoryVolume, first: date, last: date) -> dict[str, int]:
    """Write the days [first, last] at `volume` (entities first, if missing); commit; analyze.

    Returns the rows inserted per raw fact table. The days must not have been seeded before.
    """
    seed_entities(conn, volume)
    days = {"first": first, "last": last}
    orders = {**days, "orders": volume.orders_per_day}
    inserted = {
        "raw_google_ads.ad_daily_metrics": conn.execute(_GOOGLE_METRICS, days).rowcount,
        "raw_meta.ad_daily_insights": conn.execute(_META_INSIGHTS, days).rowcount,
        "raw_media_partner.daily_exports": conn.execute(
            _PARTNER_ROWS, {**days, "clients": list(PARTNER_CLIENTS), "creatives": volume.partner_creatives_per_client}
        ).rowcount,
    }
    if volume.orders_per_day:
        meta_campaigns = math.ceil(volume.meta_ads / ADS_PER_CAMPAIGN)
        customers = max(1, volume.orders_per_day * CUSTOMERS_PER_SHOP_PER_ORDER_DAY // len(SHOPS))
        inserted["raw_shopify.orders"] = conn.execute(
            _SHOPIFY_ORDERS, {**orders, "customers": customers, "meta_campaigns": meta_campaigns}
        ).rowcount
        inserted["raw_shopify.order_line_items"] = conn.execute(_SHOPIFY_LINES, orders).rowcount
        conn.execute(_SHOPIFY_CUSTOMERS, days)
        conn.execute(_GOOGLE_CLICK_VIEWS.replace("{orders}", _ORDERS), {**orders, "n": volume.google_ads})
    sites = {"site0": SHOPS[0][2], "site1": SHOPS[1][2]}
    pixel = conn.execute(_PIXEL_ORDER_EVENTS, {**orders, **sites}).rowcount if volume.orders_per_day else 0
    if volume.filler_pixel_events:
        pixel += conn.execute(_PIXEL_FILLER, {**days, **sites, "filler": volume.filler_pixel_events}).rowcount
    inserted["raw_pixel.events"] = pixel
    conn.commit()
    # fresh statistics, or the first dbt build plans its joins for empty tables
    conn.autocommit = True
    try:
        for table in ANALYZED_TABLES:
            conn.execute(f"analyze {table}")
    finally:
        conn.autocommit = False
    return inserted


# --------------------------------------------------------------------------- #
# Config: the sandbox's own, with rates that reach back to the first seeded day
# --------------------------------------------------------------------------- #


def bench_config_document(sandbox_document: dict, history_first: date) -> dict:
    """The sandbox config with each client's first CPM rate and each currency pair's first FX
    rate also in force from the 1st of `history_first`'s month, so every seeded day has a CPM
    (the reconciliation test asks) and every conversion a rate."""
    import copy

    document = copy.deepcopy(sandbox_document)
    since = history_first.replace(day=1)
    earliest_fx: dict[tuple[str, str], dict] = {}
    for rate in document.get("fx_rates", []):
        key = (rate["from"], rate["to"])
        if key not in earliest_fx or _as_date(rate["effective_from"]) < _as_date(earliest_fx[key]["effective_from"]):
            earliest_fx[key] = rate
    for rate in earliest_fx.values():
        if _as_date(rate["effective_from"]) > since:
            document["fx_rates"].append({**rate, "effective_from": since})
    for workspace in document["workspaces"]:
        for client in workspace.get("clients", []):
            rates = (client.get("media_partner") or {}).get("cpm_rates") or []
            if rates:
                first = min(rates, key=lambda r: _as_date(r["effective_from"]))
                if _as_date(first["effective_from"]) > since:
                    rates.insert(0, {**first, "effective_from": since})
    return document


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def write_bench_config(sandbox_config: Path, history_first: date, out: Path) -> Path:
    """Write the sandbox's config.yaml with rates reaching back to `history_first` to `out`."""
    import yaml

    document = yaml.safe_load(sandbox_config.read_text(encoding="utf-8"))
    out.write_text(
        "# The sandbox's config, rates reaching back to the first day of the benchmark's history.\n"
        + yaml.safe_dump(bench_config_document(document, history_first), sort_keys=False),
        encoding="utf-8",
    )
    return out
