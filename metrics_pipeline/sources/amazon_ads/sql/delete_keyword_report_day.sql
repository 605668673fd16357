-- The unit a keyword-report file replaces: its brand, format and day.
delete from raw_amazon_ads.keyword_reports
where brand_slug = %(brand_slug)s
  and source_format = %(source_format)s
  and report_date = %(report_date)s
