-- Rows of the day whose file is gone from the exports root (deleted, or renamed, say from
-- .csv to .xlsx) no longer count. `present_files` lists the day's files by URI.
with keyword_rows as (
    delete from raw_amazon_ads.keyword_reports
    where report_date = %(report_date)s
      and not (source_file = any(%(present_files)s::text[]))
    returning 1
),

sales_rows as (
    delete from raw_amazon_ads.sales_reports
    where report_date = %(report_date)s
      and not (source_file = any(%(present_files)s::text[]))
    returning 1
)

select (select count(*) from keyword_rows) + (select count(*) from sales_rows)
