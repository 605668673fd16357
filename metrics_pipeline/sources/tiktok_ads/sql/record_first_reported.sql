-- What TikTok first said about a closed day, kept however often the day is restated later.
-- Only days already over in the advertiser's time zone: an open day is still moving.
insert into raw_tiktok_ads.ad_daily_reports_first_reported
    (advertiser_id, campaign_id, adgroup_id, ad_id, stat_date, spend, impressions, clicks,
     conversions, purchases, purchase_value, first_reported_at)
select advertiser_id, campaign_id, adgroup_id, ad_id, stat_date, spend, impressions, clicks,
       conversions, purchases, purchase_value, %(reported_at)s
from raw_tiktok_ads.ad_daily_reports
where advertiser_id = %(advertiser_id)s
  and stat_date = any(%(closed_days)s::date[])
on conflict (advertiser_id, ad_id, stat_date) do nothing
