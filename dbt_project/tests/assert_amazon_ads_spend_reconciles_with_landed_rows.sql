-- Shown in Dagster as an asset check on fct_ad_entity_daily (a multi-parent singular test needs the hint).
{{ config(meta={'dagster': {'ref': {'name': 'fct_ad_entity_daily'}}}) }}

-- Per Amazon brand and day, the account row of fct_ad_entity_daily must carry exactly what the
-- winning export format landed, read here straight from raw_amazon_ads.keyword_reports
-- (independently of the staging and intermediate models): for each keyword-day (brand, day, ad
-- type, campaign, ad group, keyword, match type; a null match type is one value) only the rows of the format first in the var
-- amazon_ads_format_precedence among those reporting it count. Spend, impressions, clicks,
-- orders (conversions) and sales (platform revenue) must agree; a brand-day on one side only
-- is a disagreement too.

with

landed_rows as (

    select
        *,
        {{ amazon_ads_format_rank('source_format') }}      as format_rank,
        min({{ amazon_ads_format_rank('source_format') }}) over (
            partition by brand_slug, report_date, ad_type, campaign_name, ad_group_name, keyword_text, match_type
        )                                                   as best_rank

    from {{ source('amazon_ads', 'keyword_reports') }}
    where {{ in_test_window('report_date') }}

),

landed as (

    select
        {{ stable_id('amazon_ads', 'brand_slug') }}         as account_entity_id,
        brand_slug,
        report_date                                         as metric_date,
        sum(spend)                                          as spend,
        sum(impressions)                                    as impressions,
        sum(clicks)                                         as clicks,
        sum(orders)                                         as conversions,
        sum(sales)                                          as platform_revenue

    from landed_rows
    where format_rank = best_rank
    group by brand_slug, report_date

),

modeled as (

    select
        entity_id                                           as account_entity_id,
        metric_date,
        spend,
        impressions,
        clicks,
        conversions,
        platform_revenue

    from {{ ref('fct_ad_entity_daily') }}
    where platform = 'amazon_ads' and {{ in_test_window('metric_date') }}
      and level = 'account'

)

select
    coalesce(landed.account_entity_id, modeled.account_entity_id)  as account_entity_id,
    landed.brand_slug,
    coalesce(landed.metric_date, modeled.metric_date)              as metric_date,
    landed.spend                as landed_spend,
    modeled.spend               as modeled_spend,
    landed.impressions          as landed_impressions,
    modeled.impressions         as modeled_impressions,
    landed.clicks               as landed_clicks,
    modeled.clicks              as modeled_clicks,
    landed.conversions          as landed_conversions,
    modeled.conversions         as modeled_conversions,
    landed.platform_revenue     as landed_platform_revenue,
    modeled.platform_revenue    as modeled_platform_revenue

from landed

full outer join modeled
    on  modeled.account_entity_id = landed.account_entity_id
    and modeled.metric_date = landed.metric_date

where landed.account_entity_id is null
   or modeled.account_entity_id is null
   or landed.spend            is distinct from modeled.spend
   or landed.impressions      is distinct from modeled.impressions
   or landed.clicks           is distinct from modeled.clicks
   or landed.conversions      is distinct from modeled.conversions
   or landed.platform_revenue is distinct from modeled.platform_revenue
