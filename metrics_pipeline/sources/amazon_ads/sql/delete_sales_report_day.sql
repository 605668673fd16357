-- The unit a sales file replaces: its brand and day.
delete from raw_amazon_ads.sales_reports
where brand_slug = %(brand_slug)s
  and report_date = %(report_date)s
