-- Shown in Dagster as an asset check on fct_amazon_keyword_daily.
{{ config(meta={'dagster': {'ref': {'name': 'fct_amazon_keyword_daily'}}}) }}

-- Every landed Amazon search-term row counts once or is visibly superseded, whatever its ad type
-- (SP, SB, SD) and targeting (keyword, product, auto, audience): per brand, day, ad type and
-- targeting type,
--   * spend in marts.fct_amazon_keyword_daily equals the spend of the landed rows whose format
--     wins their keyword-day, read straight from raw_amazon_ads.keyword_reports (the precedence
--     of the var amazon_ads_format_precedence, a null match type being one value), and
--   * that mart spend plus the superseded rows' spend (those int_amazon_ads__superseded_rows lists) equals
--     the spend of all landed rows: nothing landed is dropped on the way.
-- A group on one side only is a disagreement too.

with

landed_rows as (

    select
        brand_slug,
        report_date,
        ad_type,
        targeting_type,
        spend,
        {{ amazon_ads_format_rank('source_format') }}      as format_rank,
        min({{ amazon_ads_format_rank('source_format') }}) over (
            partition by
                brand_slug, report_date, ad_type, campaign_name, ad_group_name, keyword_text, match_type
        )                                                   as best_rank

    from {{ source('amazon_ads', 'keyword_reports') }}
    where {{ in_test_window('report_date') }}

),

landed as (

    select
        brand_slug,
        report_date,
        ad_type,
        targeting_type,
        sum(spend)                                                  as landed_spend,
        coalesce(sum(spend) filter (where format_rank = best_rank), 0) as winning_spend

    from landed_rows
    group by brand_slug, report_date, ad_type, targeting_type

),

modeled as (

    select
        brand_slug,
        report_date,
        ad_type,
        targeting_type,
        sum(spend)                                                  as mart_spend

    from {{ ref('fct_amazon_keyword_daily') }}
    where {{ in_test_window('report_date') }}
    group by brand_slug, report_date, ad_type, targeting_type

),

superseded as (

    select
        brand_slug,
        report_date,
        ad_type,
        targeting_type,
        sum(spend)                                                  as superseded_spend

    -- the rows int_amazon_ads__superseded_rows lists, read from the model the mart is built
    -- on, so the test runs wherever the mart is built (superseded_rows is a leaf view)
    from {{ ref('int_amazon_ads__keyword_report_ranked') }}
    where not is_winning
      and {{ in_test_window('report_date') }}
    group by brand_slug, report_date, ad_type, targeting_type

),

compared as (

    select
        coalesce(landed.brand_slug, modeled.brand_slug)             as brand_slug,
        coalesce(landed.report_date, modeled.report_date)           as report_date,
        coalesce(landed.ad_type, modeled.ad_type)                   as ad_type,
        coalesce(landed.targeting_type, modeled.targeting_type)     as targeting_type,
        landed.landed_spend,
        landed.winning_spend,
        modeled.mart_spend,
        coalesce(superseded.superseded_spend, 0)                    as superseded_spend

    from landed

    full outer join modeled
        on
            landed.brand_slug = modeled.brand_slug
            and landed.report_date = modeled.report_date
            and landed.ad_type = modeled.ad_type
            and landed.targeting_type = modeled.targeting_type

    left join superseded
        on
            superseded.brand_slug = coalesce(landed.brand_slug, modeled.brand_slug)
            and superseded.report_date = coalesce(landed.report_date, modeled.report_date)
            and superseded.ad_type = coalesce(landed.ad_type, modeled.ad_type)
            and superseded.targeting_type = coalesce(landed.targeting_type, modeled.targeting_type)

)

select *
from compared
where
    landed_spend is null
    or (mart_spend is null and winning_spend <> 0)
    or coalesce(mart_spend, 0) <> winning_spend
    or coalesce(mart_spend, 0) + superseded_spend <> landed_spend
