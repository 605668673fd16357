-- TikTok Ads (TikTok API for Business, Marketing API v1.3), landed over plain HTTPS + JSON.
-- Entities are the latest state per advertiser, deleted ones included (asked for with
-- primary_status STATUS_ALL); the daily ad report is replaced per (advertiser, day). Money
-- arrives as decimal strings in the advertiser's currency and lands as numeric, exactly.
create schema if not exists raw_tiktok_ads;

alter table config.connections drop constraint if exists connections_provider_check;
alter table config.connections
    add constraint connections_provider_check
    check (provider in ('google_ads', 'meta', 'shopify', 'tiktok'));

create table if not exists raw_tiktok_ads.advertisers (
    advertiser_id    text        primary key,
    connection_id    text        not null,
    name             text,
    currency         text        not null,
    timezone         text        not null,  -- IANA name, as /advertiser/info/ gives it
    status           text,                  -- STATUS_ENABLE, STATUS_DISABLE, ...
    ingestion_run_id text        not null,
    extracted_at     timestamptz not null
);

create table if not exists raw_tiktok_ads.campaigns (
    advertiser_id    text        not null,
    campaign_id      text        not null,
    campaign_name    text        not null,
    objective_type   text,                  -- WEB_CONVERSIONS, TRAFFIC, REACH, ...
    operation_status text,                  -- ENABLE, DISABLE
    secondary_status text,                  -- CAMPAIGN_STATUS_DELETE, CAMPAIGN_STATUS_ENABLE, ...
    create_time      timestamptz,
    modify_time      timestamptz,
    ingestion_run_id text        not null,
    extracted_at     timestamptz not null,
    primary key (advertiser_id, campaign_id)
);

create table if not exists raw_tiktok_ads.adgroups (
    advertiser_id     text        not null,
    adgroup_id        text        not null,
    campaign_id       text        not null,
    adgroup_name      text        not null,
    optimization_goal text,                 -- CONVERT, CLICK, REACH, ...
    operation_status  text,
    secondary_status  text,                 -- ADGROUP_STATUS_DELETE, ...
    ingestion_run_id  text        not null,
    extracted_at      timestamptz not null,
    primary key (advertiser_id, adgroup_id)
);

create table if not exists raw_tiktok_ads.ads (
    advertiser_id    text        not null,
    ad_id            text        not null,
    adgroup_id       text        not null,
    campaign_id      text        not null,
    ad_name          text        not null,
    operation_status text,
    secondary_status text,                  -- AD_STATUS_DELETE, AD_STATUS_DELIVERY_OK, ...
    landing_page_url text,                  -- with its URL macros (__CID__ ...) unexpanded
    ingestion_run_id text        not null,
    extracted_at     timestamptz not null,
    primary key (advertiser_id, ad_id)
);

-- /report/integrated/get/ BASIC, AUCTION_AD, dimensions ad_id + stat_time_day: one row per ad
-- and the advertiser's local day. The report keeps deleted ads' rows (their spend is real).
create table if not exists raw_tiktok_ads.ad_daily_reports (
    advertiser_id    text           not null,
    campaign_id      text           not null,
    adgroup_id       text           not null,
    ad_id            text           not null,
    stat_date        date           not null,  -- the advertiser's local day
    currency         text           not null,
    spend            numeric(20, 6) not null check (spend >= 0),
    impressions      bigint         not null check (impressions >= 0),
    clicks           bigint         not null check (clicks >= 0),
    conversions      numeric(20, 6) not null default 0 check (conversions >= 0),  -- `conversion`
    purchases        numeric(20, 6) not null default 0,  -- `complete_payment`
    purchase_value   numeric(20, 6) not null default 0,  -- `total_complete_payment_rate` (a value)
    ingestion_run_id text           not null,
    extracted_at     timestamptz    not null,
    primary key (advertiser_id, ad_id, stat_date)
);

create index if not exists ad_daily_reports_stat_date
    on raw_tiktok_ads.ad_daily_reports (stat_date);

-- What TikTok first said about a closed day, kept however often the day is restated later.
create table if not exists raw_tiktok_ads.ad_daily_reports_first_reported (
    advertiser_id     text           not null,
    campaign_id       text           not null,
    adgroup_id        text           not null,
    ad_id             text           not null,
    stat_date         date           not null,
    spend             numeric(20, 6) not null,
    impressions       bigint         not null,
    clicks            bigint         not null,
    conversions       numeric(20, 6) not null,
    purchases         numeric(20, 6) not null,
    purchase_value    numeric(20, 6) not null,
    first_reported_at timestamptz    not null,
    primary key (advertiser_id, ad_id, stat_date)
);
