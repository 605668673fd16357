-- Shown in Dagster as an asset check on fct_ad_entity_daily (a multi-parent singular test needs the hint).
{{ config(meta={'dagster': {'ref': {'name': 'fct_ad_entity_daily'}}}) }}

-- Per TikTok advertiser and day, the account row of fct_ad_entity_daily (the top of the rolled
-- up hierarchy) must carry exactly what landed in raw_tiktok_ads.ad_daily_reports, read here
-- straight from the raw table: every ad's spend, deleted ads' included (an ad missing from the
-- hierarchy would drop out of the roll-up), in the advertiser's currency. Returns the
-- (advertiser, day) pairs that disagree, including days present on one side only.

with

landed as (

    select
        {{ stable_id('tiktok_ads', 'advertiser_id') }}     as account_entity_id,
        advertiser_id::text                                 as platform_account_id,
        stat_date                                           as metric_date,
        sum(spend)                                          as spend,
        sum(impressions)                                    as impressions,
        sum(clicks)                                         as clicks
    from {{ source('tiktok_ads', 'ad_daily_reports') }}
    where {{ in_test_window('stat_date') }}
    group by advertiser_id, stat_date

),

modeled as (

    select
        entity_id                                           as account_entity_id,
        metric_date,
        spend,
        impressions,
        clicks
    from {{ ref('fct_ad_entity_daily') }}
    where
        platform = 'tiktok_ads'
        and level = 'account'
        and {{ in_test_window('metric_date') }}

)

select
    coalesce(landed.account_entity_id, modeled.account_entity_id)  as account_entity_id,
    landed.platform_account_id,
    coalesce(landed.metric_date, modeled.metric_date)              as metric_date,
    landed.spend                                                    as landed_spend,
    modeled.spend                                                   as modeled_spend,
    landed.impressions                                              as landed_impressions,
    modeled.impressions                                             as modeled_impressions,
    landed.clicks                                                   as landed_clicks,
    modeled.clicks                                                  as modeled_clicks

from landed

full outer join modeled
    on
        modeled.account_entity_id = landed.account_entity_id
        and modeled.metric_date = landed.metric_date

where
    landed.spend is distinct from modeled.spend
    or landed.impressions is distinct from modeled.impressions
    or landed.clicks is distinct from modeled.clicks
