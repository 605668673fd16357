-- Meta Marketing API (Graph API), landed with the facebook-business SDK. Entities are the
-- latest state per ad account, archived and deleted ones included; insights are replaced
-- per (account, day). Money arrives as decimal strings and lands as numeric.
create schema if not exists raw_meta;

create table if not exists raw_meta.ad_accounts (
    account_id       text        primary key,  -- numeric id without the act_ prefix
    connection_id    text        not null,
    name             text,
    currency         text        not null,
    timezone_name    text        not null,
    account_status   integer,
    ingestion_run_id text        not null,
    extracted_at     timestamptz not null
);

create table if not exists raw_meta.campaigns (
    account_id       text        not null,
    campaign_id      text        not null,
    name             text        not null,
    status           text,                     -- ACTIVE, PAUSED, DELETED, ARCHIVED
    effective_status text,
    objective        text,                     -- OUTCOME_SALES, OUTCOME_LEADS, ...
    created_time     timestamptz,
    updated_time     timestamptz,
    ingestion_run_id text        not null,
    extracted_at     timestamptz not null,
    primary key (account_id, campaign_id)
);

create table if not exists raw_meta.adsets (
    account_id        text        not null,
    adset_id          text        not null,
    campaign_id       text        not null,
    name              text        not null,
    status            text,
    effective_status  text,
    optimization_goal text,
    ingestion_run_id  text        not null,
    extracted_at      timestamptz not null,
    primary key (account_id, adset_id)
);

create table if not exists raw_meta.ads (
    account_id       text        not null,
    ad_id            text        not null,
    adset_id         text        not null,
    campaign_id      text        not null,
    name             text        not null,
    status           text,
    effective_status text,
    ingestion_run_id text        not null,
    extracted_at     timestamptz not null,
    primary key (account_id, ad_id)
);

create table if not exists raw_meta.ad_daily_insights (
    account_id          text           not null,
    campaign_id         text           not null,
    adset_id            text           not null,
    ad_id               text           not null,
    date_start          date           not null,  -- the account's local day
    spend               numeric(20, 6) not null check (spend >= 0),
    impressions         bigint         not null check (impressions >= 0),
    clicks              bigint         not null check (clicks >= 0),
    purchases           numeric(20, 6) not null default 0,  -- from actions, configured action types
    purchase_value      numeric(20, 6) not null default 0,  -- from action_values
    leads               numeric(20, 6) not null default 0,
    actions             jsonb,                     -- as returned, for audit and remapping
    action_values       jsonb,
    attribution_windows text,                      -- e.g. 7d_click,1d_view
    ingestion_run_id    text           not null,
    extracted_at        timestamptz    not null,
    primary key (account_id, ad_id, date_start)
);

create table if not exists raw_meta.ad_daily_insights_first_reported (
    account_id        text           not null,
    campaign_id       text           not null,
    adset_id          text           not null,
    ad_id             text           not null,
    date_start        date           not null,
    spend             numeric(20, 6) not null,
    impressions       bigint         not null,
    clicks            bigint         not null,
    purchases         numeric(20, 6) not null,
    purchase_value    numeric(20, 6) not null,
    leads             numeric(20, 6) not null,
    first_reported_at timestamptz    not null,
    primary key (account_id, ad_id, date_start)
);

create table if not exists raw_meta.ad_intraday_snapshots (
    account_id       text           not null,
    campaign_id      text           not null,
    adset_id         text           not null,
    ad_id            text           not null,
    date_start       date           not null,
    captured_at      timestamptz    not null,
    spend            numeric(20, 6) not null,
    impressions      bigint         not null,
    clicks           bigint         not null,
    purchases        numeric(20, 6) not null,
    purchase_value   numeric(20, 6) not null,
    leads            numeric(20, 6) not null,
    ingestion_run_id text           not null,
    primary key (account_id, ad_id, captured_at)
);
