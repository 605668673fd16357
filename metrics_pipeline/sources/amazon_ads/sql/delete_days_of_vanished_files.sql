-- A (brand, format) whose file for the day is gone from the exports root no longer has rows for
-- it; likewise a brand whose sales file is gone. `present_folders` lists '<brand>/<folder>'.
with keyword_rows as (
    delete from raw_amazon_ads.keyword_reports
    where report_date = %(report_date)s
      and not (brand_slug || '/' || source_format = any(%(present_folders)s::text[]))
    returning 1
),
sales_rows as (
    delete from raw_amazon_ads.sales_reports
    where report_date = %(report_date)s
      and not (brand_slug || '/sales' = any(%(present_folders)s::text[]))
    returning 1
)
select (select count(*) from keyword_rows) + (select count(*) from sales_rows)
