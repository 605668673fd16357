-- Another file that already holds the same report (brand, folder, ad type, day): two such
-- files (a .csv and an .xlsx download of one report, say) would count its spend twice.
select min(source_file)
from raw_amazon_ads.keyword_reports
where brand_slug = %(brand_slug)s
  and source_format = %(source_format)s
  and ad_type = %(ad_type)s
  and report_date = %(report_date)s
  and source_file <> %(source_file)s
