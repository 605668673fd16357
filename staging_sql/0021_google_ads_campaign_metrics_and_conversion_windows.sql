-- Performance Max campaigns have no ad groups or ads, so ad_group_ad never reports their spend:
-- the same days are landed per campaign too (FROM campaign, every campaign type), replaced per
-- (customer, day) with the ad-level rows. dbt carries campaign minus ads as an '(unallocated)' ad.
create table if not exists raw_google_ads.campaign_daily_metrics (
    customer_id       bigint         not null,
    campaign_id       bigint         not null,
    metric_date       date           not null,  -- segments.date, the account's local day
    cost_micros       bigint         not null check (cost_micros >= 0),
    impressions       bigint         not null check (impressions >= 0),
    clicks            bigint         not null check (clicks >= 0),
    conversions       numeric(20, 6) not null,
    conversions_value numeric(20, 6) not null,
    ingestion_run_id  text           not null,
    extracted_at      timestamptz    not null,
    primary key (customer_id, campaign_id, metric_date)
);

create index if not exists campaign_daily_metrics_date_idx
    on raw_google_ads.campaign_daily_metrics (metric_date);

-- How many days back the account's conversions can still move: the longest click-through
-- lookback window of its enabled conversion actions (30 without any), as of the last sync.
-- The nightly schedule re-lands that many days for connections without their own lookback_days.
alter table raw_google_ads.customers add column if not exists conversion_window_days integer;

-- What a closed (campaign, day) first said, written once and never updated, as
-- ad_daily_metrics_first_reported is for ads: the P&L's first-reported figures need the
-- Performance Max part too, or it would show up as restatement drift.
create table if not exists raw_google_ads.campaign_daily_metrics_first_reported (
    customer_id       bigint         not null,
    campaign_id       bigint         not null,
    metric_date       date           not null,
    cost_micros       bigint         not null,
    impressions       bigint         not null,
    clicks            bigint         not null,
    conversions       numeric(20, 6) not null,
    conversions_value numeric(20, 6) not null,
    first_reported_at timestamptz    not null,
    primary key (customer_id, campaign_id, metric_date)
);

create index if not exists campaign_daily_metrics_first_reported_date_idx
    on raw_google_ads.campaign_daily_metrics_first_reported (metric_date);
