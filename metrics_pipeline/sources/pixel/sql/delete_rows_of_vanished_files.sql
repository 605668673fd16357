-- The day's events of files that are no longer in the exports root (the partition mirrors it).
delete from raw_pixel.events
where event_date = %(event_date)s
  and not (source_file = any(%(present_files)s::text[]))
