-- Serialise concurrent landings of one source's partition (a retry racing a backfill, say);
-- a source whose partitions share ids locks with partition_key '*' (every day at once).
select pg_advisory_xact_lock(hashtext(%(source)s || ':' || %(partition_key)s))
