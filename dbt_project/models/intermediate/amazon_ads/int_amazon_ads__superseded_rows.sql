-- The landed search-term rows that do not count: a format of higher precedence reports the
-- same keyword-day (see int_amazon_ads__keyword_report_ranked). One row per landed row, with
-- the format that won its keyword-day; queryable so a superseded export can be audited.

select
    brand_slug,
    report_date,
    source_format,
    winning_format,
    ad_type,
    portfolio_name,
    campaign_name,
    ad_group_name,
    keyword_text,
    match_type,
    targeting_type,
    search_term,
    impressions,
    clicks,
    spend,
    orders,
    sales,
    currency,
    source_file,
    source_row_number

from {{ ref('int_amazon_ads__keyword_report_ranked') }}
where not is_winning
