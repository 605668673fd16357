-- Serialise concurrent loads of the same source day (a retry racing a backfill, say).
select pg_advisory_xact_lock(hashtext('media_partner:' || %(partition_key)s))
