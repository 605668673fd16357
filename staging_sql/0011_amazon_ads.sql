-- Amazon Ads: the brands and ASIN-to-SKU mappings mirrored from the config file, and the landed
-- rows of the Sponsored Products search-term exports (Amazon's own, Helium 10's and ZonGuru's,
-- each mapped onto one shape) and of the daily sales-per-ASIN exports.

create table if not exists config.amazon_brands (
    brand_slug   text primary key,                   -- the folder under amazon_ads/
    client_slug  text not null references config.clients (client_slug),
    currency     text not null                       -- the marketplace's money, ISO 4217
);

create table if not exists config.amazon_asin_skus (
    brand_slug   text not null references config.amazon_brands (brand_slug),
    asin         text not null,
    sku          text not null,
    primary key (brand_slug, asin),
    unique (brand_slug, sku)                         -- sales are reported per SKU: one ASIN each
);

create schema if not exists raw_amazon_ads;

-- One row per valid row of a file amazon_ads/<brand_slug>/<source_format>/<YYYY-MM-DD>.csv.
-- Every format's rows land (source-faithful); which format counts for a keyword-day is decided
-- in dbt (int_amazon_ads__keyword_report_winners). A partition rerun deletes by
-- (brand_slug, source_format, report_date) and COPYs the file again in one transaction.
create table if not exists raw_amazon_ads.keyword_reports (
    brand_slug                 text           not null,
    source_format              text           not null check (source_format in ('amazon', 'helium10', 'zonguru')),
    report_date                date           not null,
    portfolio_name             text,                    -- null when the campaign is in no portfolio
    campaign_name              text           not null,
    ad_group_name              text           not null,
    keyword_text               text           not null, -- the keyword or targeting expression bid on
    match_type                 text           not null check (match_type in ('exact', 'phrase', 'broad', 'auto')),
    search_term                text,                    -- what the shopper typed; null in keyword-level exports
    impressions                bigint         not null check (impressions >= 0),
    clicks                     bigint         not null check (clicks >= 0),
    spend                      numeric(20, 6) not null check (spend >= 0),
    orders                     bigint         not null check (orders >= 0),
    sales                      numeric(20, 6) not null check (sales >= 0),
    currency                   text           not null, -- the brand's configured marketplace currency
    -- pre-computed ratios as exported (text, "12.5%", "$0.85", "-"); the marts recompute them
    reported_ctr               text,
    reported_cpc               text,
    reported_acos              text,
    reported_roas              text,
    reported_conversion_rate   text,
    extra_columns              jsonb          not null default '{}'::jsonb, -- unmapped columns, header -> cell
    source_file                text           not null,
    source_row_number          integer        not null, -- line in the file, header = 1
    ingestion_run_id           text           not null,
    loaded_at                  timestamptz    not null default now(),
    primary key (source_file, source_row_number)
);

create index if not exists keyword_reports_brand_date_idx
    on raw_amazon_ads.keyword_reports (brand_slug, report_date, source_format);

-- One row per valid row of a file amazon_ads/<brand_slug>/sales/<YYYY-MM-DD>.csv.
create table if not exists raw_amazon_ads.sales_reports (
    brand_slug          text           not null,
    report_date         date           not null,
    asin                text           not null,
    total_sales         numeric(20, 6) not null check (total_sales >= 0),
    total_units         bigint         not null check (total_units >= 0),
    ad_sales            numeric(20, 6) not null check (ad_sales >= 0),
    ad_units            bigint         not null check (ad_units >= 0),
    currency            text           not null,
    extra_columns       jsonb          not null default '{}'::jsonb,
    source_file         text           not null,
    source_row_number   integer        not null,
    ingestion_run_id    text           not null,
    loaded_at           timestamptz    not null default now(),
    primary key (source_file, source_row_number)
);

create index if not exists sales_reports_brand_date_idx
    on raw_amazon_ads.sales_reports (brand_slug, report_date);
