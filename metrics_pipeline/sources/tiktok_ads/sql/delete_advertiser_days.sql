delete from raw_tiktok_ads.ad_daily_reports
where advertiser_id = %(advertiser_id)s
  and stat_date = any(%(days)s::date[])
