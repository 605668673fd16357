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

-- What the bill first said about a closed day, kept however often the day is restated later
-- (like raw_meta.ad_daily_insights_first_reported, so end-of-day drift compares like with like).
create table if not exists raw_meta.account_daily_insights_first_reported (
    account_id        text           not null,
    date_start        date           not null,
    spend             numeric(20, 6) not null,
    impressions       bigint         not null,
    clicks            bigint         not null,
    first_reported_at timestamptz    not null,
    primary key (account_id, date_start)
);
