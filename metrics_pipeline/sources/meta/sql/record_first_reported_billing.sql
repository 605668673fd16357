-- What Meta first billed for a closed day, kept however often the day is restated later.
insert into raw_meta.account_daily_insights_first_reported
    (account_id, date_start, spend, impressions, clicks, first_reported_at)
select account_id, date_start, spend, impressions, clicks, %(reported_at)s
from raw_meta.account_daily_insights
where account_id = %(account_id)s
  and date_start = any(%(closed_days)s::date[])
on conflict (account_id, date_start) do nothing
