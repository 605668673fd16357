-- Serialise concurrent loads of one ad account (a retry racing a backfill or an intraday run, say).
select pg_advisory_xact_lock(hashtext('meta:' || %(account_id)s))
