-- Facts are replaced per (customer, day): exactly the days this sync read. Click views only
-- for the days whose click views were read (the API serves the last 90 days only).
with removed_metrics as (
    delete from raw_google_ads.ad_daily_metrics
    where customer_id = %(customer_id)s
      and metric_date = any(%(days)s::date[])
), removed_campaign_metrics as (
    delete from raw_google_ads.campaign_daily_metrics
    where customer_id = %(customer_id)s
      and metric_date = any(%(days)s::date[])
)
delete from raw_google_ads.click_views
where customer_id = %(customer_id)s
  and click_date = any(%(click_view_days)s::date[])
