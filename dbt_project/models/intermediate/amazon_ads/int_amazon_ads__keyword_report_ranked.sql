-- Every landed search-term row, with which export format wins its keyword-day.
--
-- A keyword-day is (brand_slug, report_date, ad_type, campaign_name, ad_group_name,
-- keyword_text, match_type); product and audience targets have no match type (null matches null). When several formats report it, the one first in the var
-- amazon_ads_format_precedence (amazon > helium10 > zonguru: Amazon's own report is the system
-- of record, the others re-export it) wins it, with all of its rows (one per search term); the
-- other formats' rows for it are superseded (is_winning = false): kept in raw and listed in
-- int_amazon_ads__superseded_rows, never counted. The loader applies the same rule when it
-- logs, per losing file, how many keyword-days were superseded and by which format.

with

report_rows as (

    select * from {{ ref('stg_amazon_ads__keyword_reports') }}

),

ranked as (

    select
        report_rows.*,
        {{ amazon_ads_format_rank('report_rows.source_format') }}    as format_rank

    from report_rows

),

keyword_days as (

    select
        brand_slug,
        report_date,
        ad_type,
        campaign_name,
        ad_group_name,
        keyword_text,
        match_type,
        min(format_rank)                                            as winning_rank

    from ranked
    group by 1, 2, 3, 4, 5, 6, 7

),

final as (

    select
        ranked.*,
        {{ amazon_ads_format_of_rank('keyword_days.winning_rank') }} as winning_format,
        ranked.format_rank = keyword_days.winning_rank              as is_winning

    from ranked

    join keyword_days
        on  keyword_days.brand_slug = ranked.brand_slug
        and keyword_days.report_date = ranked.report_date
        and keyword_days.ad_type = ranked.ad_type
        and keyword_days.campaign_name = ranked.campaign_name
        and keyword_days.ad_group_name = ranked.ad_group_name
        and keyword_days.keyword_text = ranked.keyword_text
        and keyword_days.match_type is not distinct from ranked.match_type

)

select * from final
