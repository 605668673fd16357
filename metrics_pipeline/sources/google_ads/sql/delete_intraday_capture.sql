-- One capture per (customer, captured_at): a rerun of the same capture replaces it.
delete from raw_google_ads.ad_intraday_snapshots
where customer_id = %(customer_id)s
  and captured_at = %(captured_at)s
