-- What a closed day first said, written once per (ad, day) and per (campaign, day) and never
-- updated: a later restatement of the day lands in ad_daily_metrics / campaign_daily_metrics
-- only. The statement's row count is the ads' (the campaigns' insert rides along in the CTE).
with campaigns_first_reported as (
    insert into raw_google_ads.campaign_daily_metrics_first_reported (
        customer_id, campaign_id, metric_date,
        cost_micros, impressions, clicks, conversions, conversions_value, first_reported_at
    )
    select customer_id, campaign_id, metric_date,
           cost_micros, impressions, clicks, conversions, conversions_value, %(first_reported_at)s
    from raw_google_ads.campaign_daily_metrics
    where customer_id = %(customer_id)s
      and metric_date = any(%(closed_days)s::date[])
    on conflict (customer_id, campaign_id, metric_date) do nothing
)
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
