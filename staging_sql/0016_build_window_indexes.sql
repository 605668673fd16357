-- The nightly dbt build replaces only the restatement window's days of the day-keyed marts
-- (dbt_project/macros/build_window.sql); these let it read just those days of the landed rows
-- instead of scanning all history (the primary keys lead with the account, not the day).
create index if not exists ad_daily_metrics_date_idx
    on raw_google_ads.ad_daily_metrics (metric_date);
create index if not exists ad_daily_metrics_first_reported_date_idx
    on raw_google_ads.ad_daily_metrics_first_reported (metric_date);
create index if not exists ad_intraday_snapshots_date_idx
    on raw_google_ads.ad_intraday_snapshots (metric_date);
create index if not exists ad_daily_insights_date_idx
    on raw_meta.ad_daily_insights (date_start);
create index if not exists ad_daily_insights_first_reported_date_idx
    on raw_meta.ad_daily_insights_first_reported (date_start);
create index if not exists ad_intraday_snapshots_date_idx
    on raw_meta.ad_intraday_snapshots (date_start);
create index if not exists daily_exports_date_idx
    on raw_media_partner.daily_exports (report_date);
create index if not exists keyword_reports_date_idx
    on raw_amazon_ads.keyword_reports (report_date);
create index if not exists sales_reports_date_idx
    on raw_amazon_ads.sales_reports (report_date);
