delete from raw_meta.account_daily_insights
where account_id = %(account_id)s
  and date_start = any(%(days)s::date[])
