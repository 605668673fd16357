-- The unit a file replaces: its own rows of the day, deleted inside the file's savepoint, so a
-- file that fails to land again keeps what it landed before. `kind` says which table it fills.
with event_rows as (
    delete from raw_affiliate.events
    where %(kind)s = 'events'
      and event_date = %(day)s
      and source_file = %(source_file)s
    returning 1
),
catalogue_rows as (
    delete from raw_affiliate.catalogue_snapshots
    where %(kind)s = 'catalogue'
      and snapshot_date = %(day)s
      and source_file = %(source_file)s
    returning 1
)
select (select count(*) from event_rows) + (select count(*) from catalogue_rows)
