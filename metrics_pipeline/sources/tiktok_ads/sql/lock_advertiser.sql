-- Serialise concurrent loads of one advertiser (a retry racing a backfill, say).
select pg_advisory_xact_lock(hashtext('tiktok_ads:' || %(advertiser_id)s))
