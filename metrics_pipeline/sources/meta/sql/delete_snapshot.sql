delete from raw_meta.ad_intraday_snapshots
where account_id = %(account_id)s
  and captured_at = %(captured_at)s
