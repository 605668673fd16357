-- The unit a search-term report file replaces: its own rows (one brand, folder and day can hold
-- several reports: Sponsored Products, Brands and Display).
delete from raw_amazon_ads.keyword_reports
where source_file = %(source_file)s
