-- The unit a sales file replaces: its own rows.
delete from raw_amazon_ads.sales_reports
where source_file = %(source_file)s
