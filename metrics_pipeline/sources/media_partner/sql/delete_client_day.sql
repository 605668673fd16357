delete from raw_media_partner.daily_exports
where client_slug = %(client_slug)s
  and report_date = %(report_date)s
