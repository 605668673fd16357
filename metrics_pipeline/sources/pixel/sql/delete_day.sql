-- The partition is replaced as a whole: the day's files are landed again below.
delete from raw_pixel.events
where event_date = %(event_date)s
