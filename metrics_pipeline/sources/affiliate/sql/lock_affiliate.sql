-- Serialise every affiliate landing, not just one day's: an event id belongs to the first day
-- that landed it, so two days landing at once would race for the same ids.
select pg_advisory_xact_lock(hashtext('affiliate'))
