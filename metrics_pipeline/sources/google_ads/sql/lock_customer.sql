-- Serialise concurrent loads of one customer (a nightly sync racing a backfill or an intraday snapshot).
select pg_advisory_xact_lock(hashtext('google_ads:' || %(customer_id)s::text))
