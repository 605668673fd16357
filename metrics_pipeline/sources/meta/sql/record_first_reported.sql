-- What Meta first said about a closed day, kept however often the day is restated later.
-- Only days already over in the account's time zone: an open day is still moving.
insert into raw_meta.ad_daily_insights_first_reported
    (account_id, campaign_id, adset_id, ad_id, date_start, spend, impressions, clicks,
     purchases, purchase_value, leads, first_reported_at)
select account_id, campaign_id, adset_id, ad_id, date_start, spend, impressions, clicks,
       purchases, purchase_value, leads, %(reported_at)s
from raw_meta.ad_daily_insights
where account_id = %(account_id)s
  and date_start = any(%(closed_days)s::date[])
on conflict (account_id, ad_id, date_start) do nothing
