-- Google Ads, landed from GAQL SearchStream. Entity tables hold the latest state per account
-- (replaced per customer on each sync); facts are replaced per (customer, day).
create schema if not exists raw_google_ads;

create table if not exists raw_google_ads.customers (
    customer_id          bigint      primary key,
    manager_customer_id  bigint,                 -- the MCC it was discovered under, if any
    connection_id        text        not null,   -- config connection that reaches it
    descriptive_name     text,
    currency_code        text        not null,
    time_zone            text        not null,
    is_manager           boolean     not null default false,
    status               text        not null,   -- ENABLED, CANCELED, SUSPENDED, CLOSED
    ingestion_run_id     text        not null,
    extracted_at         timestamptz not null
);

create table if not exists raw_google_ads.campaigns (
    customer_id              bigint      not null,
    campaign_id              bigint      not null,
    name                     text        not null,
    status                   text        not null,   -- ENABLED, PAUSED, REMOVED
    advertising_channel_type text,
    bidding_strategy_type    text,
    ingestion_run_id         text        not null,
    extracted_at             timestamptz not null,
    primary key (customer_id, campaign_id)
);

create table if not exists raw_google_ads.ad_groups (
    customer_id      bigint      not null,
    ad_group_id      bigint      not null,
    campaign_id      bigint      not null,
    name             text        not null,
    status           text        not null,
    type             text,
    ingestion_run_id text        not null,
    extracted_at     timestamptz not null,
    primary key (customer_id, ad_group_id)
);

create table if not exists raw_google_ads.ads (
    customer_id      bigint      not null,
    ad_group_id      bigint      not null,
    ad_id            bigint      not null,
    campaign_id      bigint      not null,
    name             text,                      -- ad.name; may be empty for some ad types
    status           text        not null,      -- ad_group_ad.status
    type             text,
    ingestion_run_id text        not null,
    extracted_at     timestamptz not null,
    primary key (customer_id, ad_group_id, ad_id)
);

create table if not exists raw_google_ads.keywords (
    customer_id      bigint      not null,
    ad_group_id      bigint      not null,
    criterion_id     bigint      not null,
    campaign_id      bigint      not null,
    keyword_text     text        not null,
    match_type       text        not null,      -- EXACT, PHRASE, BROAD
    status           text        not null,
    ingestion_run_id text        not null,
    extracted_at     timestamptz not null,
    primary key (customer_id, ad_group_id, criterion_id)
);

create table if not exists raw_google_ads.ad_daily_metrics (
    customer_id       bigint         not null,
    campaign_id       bigint         not null,
    ad_group_id       bigint         not null,
    ad_id             bigint         not null,
    metric_date       date           not null,  -- segments.date, the account's local day
    cost_micros       bigint         not null check (cost_micros >= 0),
    impressions       bigint         not null check (impressions >= 0),
    clicks            bigint         not null check (clicks >= 0),
    conversions       numeric(20, 6) not null,  -- API double, through its shortest repr
    conversions_value numeric(20, 6) not null,
    ingestion_run_id  text           not null,
    extracted_at      timestamptz    not null,
    primary key (customer_id, ad_group_id, ad_id, metric_date)
);

-- What a closed day first said: written once per (ad, day), never updated, so restatements
-- can be measured against it.
create table if not exists raw_google_ads.ad_daily_metrics_first_reported (
    customer_id       bigint         not null,
    campaign_id       bigint         not null,
    ad_group_id       bigint         not null,
    ad_id             bigint         not null,
    metric_date       date           not null,
    cost_micros       bigint         not null,
    impressions       bigint         not null,
    clicks            bigint         not null,
    conversions       numeric(20, 6) not null,
    conversions_value numeric(20, 6) not null,
    first_reported_at timestamptz    not null,
    primary key (customer_id, ad_group_id, ad_id, metric_date)
);

create table if not exists raw_google_ads.click_views (
    customer_id      bigint      not null,
    click_date       date        not null,
    gclid            text        primary key,
    campaign_id      bigint      not null,
    ad_group_id      bigint      not null,
    ad_id            bigint,                   -- from click_view.ad_group_ad
    keyword_criterion_id bigint,               -- from click_view.keyword
    ingestion_run_id text        not null,
    extracted_at     timestamptz not null
);

create index if not exists click_views_customer_date_idx on raw_google_ads.click_views (customer_id, click_date);

-- Intraday: today's cumulative metrics per ad, one row per capture.
create table if not exists raw_google_ads.ad_intraday_snapshots (
    customer_id       bigint         not null,
    campaign_id       bigint         not null,
    ad_group_id       bigint         not null,
    ad_id             bigint         not null,
    metric_date       date           not null,
    captured_at       timestamptz    not null,
    cost_micros       bigint         not null,
    impressions       bigint         not null,
    clicks            bigint         not null,
    conversions       numeric(20, 6) not null,
    conversions_value numeric(20, 6) not null,
    ingestion_run_id  text           not null,
    primary key (customer_id, ad_group_id, ad_id, captured_at)
);
