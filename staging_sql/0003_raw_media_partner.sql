-- Landed rows of the paid-media partner's daily CSV exports, one row per valid file row.
-- A partition rerun deletes by (client_slug, report_date) and COPYs the file again in one transaction.
create schema if not exists raw_media_partner;

create table if not exists raw_media_partner.daily_exports (
    client_slug         text           not null,
    report_date         date           not null,
    campaign_name       text           not null,
    strategy_name       text           not null,
    placement_name      text           not null,
    creative_name       text           not null,
    impressions         bigint         not null check (impressions >= 0),
    clicks              bigint         not null check (clicks >= 0),
    reported_ctr        text,                    -- as exported; the marts recompute CTR from counts
    conversions         bigint         not null check (conversions >= 0),
    conversion_revenue  numeric(20, 6) not null check (conversion_revenue >= 0),
    source_file         text           not null,
    source_row_number   integer        not null, -- line in the file, header = 1
    ingestion_run_id    text           not null,
    loaded_at           timestamptz    not null default now(),
    primary key (source_file, source_row_number)
);

create index if not exists daily_exports_client_date_idx
    on raw_media_partner.daily_exports (client_slug, report_date);
