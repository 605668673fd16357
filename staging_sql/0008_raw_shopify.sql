-- Shopify Admin GraphQL API. Orders are replaced per order id whenever they are updated
-- (incremental by updated_at), with their line items, refunds and refund line items.
-- Money lands as numeric in the shop's currency; customers' emails only as keyed hashes.
create schema if not exists raw_shopify;

create table if not exists raw_shopify.shops (
    shop_domain      text        primary key,   -- <shop>.myshopify.com
    connection_id    text        not null,
    name             text,
    currency         text        not null,
    timezone         text        not null,      -- IANA (shop.ianaTimezone)
    ingestion_run_id text        not null,
    extracted_at     timestamptz not null
);

create table if not exists raw_shopify.orders (
    shop_domain          text           not null,
    order_id             bigint         not null,  -- numeric part of the gid
    order_name           text           not null,  -- "#1001"
    created_at           timestamptz    not null,
    processed_at         timestamptz    not null,
    updated_at           timestamptz    not null,
    cancelled_at         timestamptz,
    financial_status     text,                    -- PAID, PARTIALLY_REFUNDED, REFUNDED, ...
    currency             text           not null,
    subtotal_price       numeric(20, 6) not null, -- after line discounts, before shipping and tax
    total_discounts      numeric(20, 6) not null,
    total_shipping       numeric(20, 6) not null,
    total_tax            numeric(20, 6) not null,
    total_price          numeric(20, 6) not null,
    customer_id          bigint,
    email_hash           text,                    -- HMAC-SHA256 of the lower-cased email, hex
    landing_site         text,                    -- the landing URL with its query (UTMs, click ids)
    referring_site       text,
    source_name          text,
    checkout_token       text,
    utm_source           text,                    -- parsed from landing_site at landing
    utm_medium           text,
    utm_campaign         text,
    utm_term             text,
    utm_content          text,
    utm_id               text,
    gclid                text,
    fbclid               text,
    ttclid               text,
    ingestion_run_id     text           not null,
    extracted_at         timestamptz    not null,
    primary key (shop_domain, order_id)
);

create index if not exists orders_updated_idx on raw_shopify.orders (shop_domain, updated_at);

create table if not exists raw_shopify.order_line_items (
    shop_domain      text           not null,
    order_id         bigint         not null,
    line_item_id     bigint         not null,
    product_id       bigint,
    variant_id       bigint,
    sku              text,
    title            text           not null,
    quantity         integer        not null,
    original_unit_price numeric(20, 6) not null,
    total_discount   numeric(20, 6) not null,  -- this line's share of discounts
    ingestion_run_id text           not null,
    primary key (shop_domain, order_id, line_item_id)
);

create table if not exists raw_shopify.refunds (
    shop_domain      text           not null,
    order_id         bigint         not null,
    refund_id        bigint         not null,
    created_at       timestamptz    not null,   -- a refund counts on its own date
    total_refunded   numeric(20, 6) not null,   -- money returned, shipping included
    ingestion_run_id text           not null,
    primary key (shop_domain, refund_id)
);

create table if not exists raw_shopify.refund_line_items (
    shop_domain      text           not null,
    refund_id        bigint         not null,
    line_item_id     bigint         not null,
    quantity         integer        not null,
    subtotal         numeric(20, 6) not null,
    ingestion_run_id text           not null,
    primary key (shop_domain, refund_id, line_item_id)
);

create table if not exists raw_shopify.customers (
    shop_domain      text        not null,
    customer_id      bigint      not null,
    email_hash       text,
    created_at       timestamptz,
    updated_at       timestamptz,
    ingestion_run_id text        not null,
    extracted_at     timestamptz not null,
    primary key (shop_domain, customer_id)
);

create table if not exists raw_shopify.products (
    shop_domain      text        not null,
    product_id       bigint      not null,
    title            text        not null,
    product_type     text,
    vendor           text,
    status           text,
    ingestion_run_id text        not null,
    extracted_at     timestamptz not null,
    primary key (shop_domain, product_id)
);

create table if not exists raw_shopify.product_variants (
    shop_domain       text           not null,
    variant_id        bigint         not null,
    product_id        bigint         not null,
    sku               text,
    title             text,
    price             numeric(20, 6),
    inventory_item_id bigint,
    ingestion_run_id  text           not null,
    extracted_at      timestamptz    not null,
    primary key (shop_domain, variant_id)
);

-- Unit cost (COGS) as observed: Shopify keeps only the current cost, so each sync appends
-- the cost it sees when it differs from the last one; dbt applies the cost in force at an
-- order's processed_at (the earliest known cost for orders before the first observation).
create table if not exists raw_shopify.variant_cost_observations (
    shop_domain      text           not null,
    variant_id       bigint         not null,
    unit_cost        numeric(20, 6) not null,
    observed_at      timestamptz    not null,
    ingestion_run_id text           not null,
    primary key (shop_domain, variant_id, observed_at)
);

-- Where incremental sync resumes: the newest updated_at landed per shop.
create table if not exists raw_shopify.sync_cursors (
    shop_domain        text        primary key,
    orders_updated_at  timestamptz not null,
    updated_at         timestamptz not null default now()
);
