-- Amazon Ads: every row of the console's search-term reports lands, product targets and
-- Sponsored Brands / Display included.
--   ad_type         SP | SB | SD: the ad product of the report (read off its header); the
--                   re-export tools' reports are Sponsored Products.
--   targeting_type  keyword | product | auto | audience: what the "Targeting" cell is. Product
--                   (asin="B0...", category="...") and audience (views=(...)) targets have no
--                   match type (Amazon writes "-"), so match_type becomes nullable.
-- Rows landed before this migration are Sponsored Products keywords or automatic targets.
-- Each file now replaces its own rows (several reports of one brand, folder and day can land:
-- SP, SB and SD), hence the index on source_file.

alter table raw_amazon_ads.keyword_reports add column if not exists ad_type text;
update raw_amazon_ads.keyword_reports set ad_type = 'SP' where ad_type is null;
alter table raw_amazon_ads.keyword_reports alter column ad_type set not null;
alter table raw_amazon_ads.keyword_reports drop constraint if exists keyword_reports_ad_type_check;
alter table raw_amazon_ads.keyword_reports add constraint keyword_reports_ad_type_check
    check (ad_type in ('SP', 'SB', 'SD'));

alter table raw_amazon_ads.keyword_reports add column if not exists targeting_type text;
update raw_amazon_ads.keyword_reports
set targeting_type = case when match_type = 'auto' then 'auto' else 'keyword' end
where targeting_type is null;
alter table raw_amazon_ads.keyword_reports alter column targeting_type set not null;
alter table raw_amazon_ads.keyword_reports drop constraint if exists keyword_reports_targeting_type_check;
alter table raw_amazon_ads.keyword_reports add constraint keyword_reports_targeting_type_check
    check (targeting_type in ('keyword', 'product', 'auto', 'audience'));

-- A keyword has a match type; a product or audience target has none; an automatic one is 'auto'.
alter table raw_amazon_ads.keyword_reports alter column match_type drop not null;
alter table raw_amazon_ads.keyword_reports drop constraint if exists keyword_reports_match_type_check;
alter table raw_amazon_ads.keyword_reports drop constraint if exists keyword_reports_match_type_of_targeting_check;
alter table raw_amazon_ads.keyword_reports add constraint keyword_reports_match_type_of_targeting_check
    check (
        (targeting_type = 'keyword' and match_type in ('exact', 'phrase', 'broad'))
        or (targeting_type = 'auto' and match_type = 'auto')
        or (targeting_type in ('product', 'audience') and match_type is null)
    );

create index if not exists keyword_reports_source_file_idx
    on raw_amazon_ads.keyword_reports (source_file);
create index if not exists sales_reports_source_file_idx
    on raw_amazon_ads.sales_reports (source_file);
