-- A client whose file for the day is gone from the exports root no longer has rows for it.
delete from raw_media_partner.daily_exports
where report_date = %(report_date)s
  and not (client_slug = any(%(clients_with_files)s::text[]))
