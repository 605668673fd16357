-- Where a file's parsed events are COPYed before they join raw_affiliate.events.
create temp table if not exists affiliate_events_batch (like raw_affiliate.events including defaults) on commit drop
