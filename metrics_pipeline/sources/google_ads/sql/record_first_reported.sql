-- What a closed day first said, written once per (ad, day) and never updated: a later
-- restatement of the day lands in ad_daily_metrics only.
insert into raw_google_ads.ad_daily_metrics_first_reported (
    customer_id, campaign_id, ad_group_id, ad_id, metric_date,
    cost_micros, impressions, clicks, conversions, conversions_value, first_reported_at
)
select customer_id, campaign_id, ad_group_id, ad_id, metric_date,
       cost_micros, impressions, clicks, conversions, conversions_value, %(first_reported_at)s
from raw_google_ads.ad_daily_metrics
where customer_id = %(customer_id)s
  and metric_date = any(%(closed_days)s::date[])
on conflict (customer_id, ad_group_id, ad_id, metric_date) do nothing
