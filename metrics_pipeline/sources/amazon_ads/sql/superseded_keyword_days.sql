-- Per landed keyword-report file of the day: how many of its keyword-days (brand, day, ad type,
-- campaign, ad group, targeting, match type) a format of higher precedence also reports, by
-- that format. The same rule as dbt's int_amazon_ads__keyword_report_ranked: the best-ranked
-- format with rows for a keyword-day wins it; `precedence` lists the formats, the winner first.
-- Product and audience targets have no match type: '' stands for it in the comparison.
with keyword_days as (
    select
        source_file,
        brand_slug,
        ad_type,
        campaign_name,
        ad_group_name,
        keyword_text,
        coalesce(match_type, '')                        as match_key,
        array_position(%(precedence)s::text[], source_format) as format_rank
    from raw_amazon_ads.keyword_reports
    where report_date = %(report_date)s
    group by 1, 2, 3, 4, 5, 6, 7, 8
),

best as (
    select
        brand_slug,
        ad_type,
        campaign_name,
        ad_group_name,
        keyword_text,
        match_key,
        min(format_rank) as best_rank
    from keyword_days
    group by 1, 2, 3, 4, 5, 6
)

select
    keyword_days.source_file,
    (%(precedence)s::text[])[best.best_rank]        as winning_format,
    count(*)                                        as superseded_keyword_days
from keyword_days
inner join best using (brand_slug, ad_type, campaign_name, ad_group_name, keyword_text, match_key)
where keyword_days.format_rank > best.best_rank
group by 1, 2
order by 1, 2
