-- Shown in Dagster as an asset check on fct_ad_entity_daily (a multi-parent singular test needs the hint).
{{ config(meta={'dagster': {'ref': {'name': 'fct_ad_entity_daily'}}}) }}

-- Google bills per campaign, and Performance Max has no ads: per Google Ads account and day,
-- fct_ad_entity_daily's account row must carry exactly the campaign-level numbers landed,
-- read straight from raw_google_ads.campaign_daily_metrics (spend = sum(cost_micros) / 10^6,
-- impressions, clicks, conversions, conversions_value). The '(unallocated)' ad under each
-- campaign is what makes the two meet. Only account-days with campaign-level rows are compared
-- (days landed before the campaign report was read have ad-level rows only).
-- Returns the (account, day) pairs that disagree, including days present on one side only.

with

billed as (

    select
        {{ stable_id('google_ads', 'customer_id') }}            as account_entity_id,
        customer_id::text                                       as platform_account_id,
        metric_date,
        -- divisor with scale 6 keeps the numeric division exact
        sum(cost_micros)::numeric / 1000000.000000              as spend,
        sum(impressions)                                        as impressions,
        sum(clicks)                                             as clicks,
        sum(conversions)                                        as conversions,
        sum(conversions_value)                                  as platform_revenue

    from {{ source('google_ads', 'campaign_daily_metrics') }}
    where {{ in_test_window('metric_date') }}
    group by customer_id, metric_date

),

modeled as (

    select
        account_entity_id,
        metric_date,
        spend,
        impressions,
        clicks,
        conversions,
        platform_revenue

    from {{ ref('fct_ad_entity_daily') }}
    where platform = 'google_ads'
      and level = 'account'
      and {{ in_test_window('metric_date') }}
      -- the account-days the campaign report covers: any campaign-level row for the account that day
      and (account_entity_id, metric_date) in (select account_entity_id, metric_date from billed)

)

{{ rows_that_disagree(
    'billed', 'modeled',
    keys=['account_entity_id', 'metric_date'],
    carried=['platform_account_id'],
    measures=['spend', 'impressions', 'clicks', 'conversions', 'platform_revenue'],
) }}
