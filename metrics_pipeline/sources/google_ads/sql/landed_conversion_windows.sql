-- Per connection, the longest conversion window of the accounts it reached at their last sync
-- (managers hold no conversions and carry none).
select connection_id, max(conversion_window_days)::int as conversion_window_days
from raw_google_ads.customers
where not is_manager
  and conversion_window_days is not null
group by connection_id
