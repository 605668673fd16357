-- What Meta bills each ad account per local day (Insights level=account). The ad-level rows
-- (raw_meta.ad_daily_insights) leave deleted ads out, so their sum can fall short of the
-- bill; dbt lands the difference on an '(unallocated)' entity under the account
-- (int_meta__unallocated_daily). Replaced per (account, day) like the ad-level rows.
create table if not exists raw_meta.account_daily_insights (
    account_id       text           not null,
    date_start       date           not null,  -- the account's local day
    spend            numeric(20, 6) not null check (spend >= 0),
    impressions      bigint         not null check (impressions >= 0),
    clicks           bigint         not null check (clicks >= 0),
    ingestion_run_id text           not null,
    extracted_at     timestamptz    not null,
    primary key (account_id, date_start)
);
