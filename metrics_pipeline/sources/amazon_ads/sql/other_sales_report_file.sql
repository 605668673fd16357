-- Another file that already holds the brand's sales of the day: two would count them twice.
select min(source_file)
from raw_amazon_ads.sales_reports
where brand_slug = %(brand_slug)s
  and report_date = %(report_date)s
  and source_file <> %(source_file)s
