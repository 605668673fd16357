-- The unit a file replaces: its own events of the day, deleted inside the file's savepoint, so
-- a file that fails to land again keeps what it landed before.
delete from raw_pixel.events
where event_date = %(event_date)s
  and source_file = %(source_file)s
