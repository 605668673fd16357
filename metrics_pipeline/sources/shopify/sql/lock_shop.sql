-- Serialise concurrent loads of one shop (a retry racing a scheduled run, say).
select pg_advisory_xact_lock(hashtext('shopify:' || %(shop_domain)s))
