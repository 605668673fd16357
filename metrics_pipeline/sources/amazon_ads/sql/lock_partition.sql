-- Serialise concurrent loads of the same source day (a retry racing a backfill, say).
select pg_advisory_xact_lock(hashtext('amazon_ads:' || %(partition_key)s))
