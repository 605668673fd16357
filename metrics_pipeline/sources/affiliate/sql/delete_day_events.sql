-- The partition is replaced as a whole: the day's files are landed again below.
delete from raw_affiliate.events
where event_date = %(day)s
