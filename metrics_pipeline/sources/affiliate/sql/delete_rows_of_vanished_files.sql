-- The day's events and catalogue rows of files that are no longer in the exports root (the
-- partition mirrors it); how many rows went.
with event_rows as (
    delete from raw_affiliate.events
    where event_date = %(day)s
      and not (source_file = any(%(present_files)s::text[]))
    returning 1
),
catalogue_rows as (
    delete from raw_affiliate.catalogue_snapshots
    where snapshot_date = %(day)s
      and not (source_file = any(%(present_files)s::text[]))
    returning 1
)
select (select count(*) from event_rows) + (select count(*) from catalogue_rows)
