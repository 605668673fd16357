-- TikTok metrics at ad grain, in one shape for the two things landed:
--   metric_kind = 'daily'           raw_tiktok_ads.ad_daily_reports (latest restatement)
--               = 'first_reported'  raw_tiktok_ads.ad_daily_reports_first_reported
-- One row per (metric_kind, entity_id, metric_date). Entity ids are computed from the row's
-- own ids (see int_tiktok_ads__entities), so no row is ever lost to a join here, deleted ads'
-- rows included. conversions = TikTok's `conversion` (the event the ad group optimises for);
-- platform_revenue = purchase_value (total_complete_payment_rate, the complete payments' value).

with

daily as (

    select
        'daily'::text as metric_kind,
        extracted_at as observed_at,
        advertiser_id,
        campaign_id,
        adgroup_id,
        ad_id,
        metric_date,
        spend,
        impressions,
        clicks,
        conversions,
        purchases,
        purchase_value
    from {{ ref('stg_tiktok_ads__ad_daily_reports') }}

),

first_reported as (

    select
        'first_reported'::text as metric_kind,
        first_reported_at as observed_at,
        advertiser_id,
        campaign_id,
        adgroup_id,
        ad_id,
        metric_date,
        spend,
        impressions,
        clicks,
        conversions,
        purchases,
        purchase_value
    from {{ ref('stg_tiktok_ads__ad_daily_reports_first_reported') }}

),

unioned as (

    select * from daily
    union all
    select * from first_reported

),

final as (

    select
        metric_kind,
        metric_date,
        {{ stable_id('tiktok_ads', 'advertiser_id', "'ad'", 'ad_id') }}              as entity_id,
        {{ stable_id('tiktok_ads', 'advertiser_id', "'ad_group'", 'adgroup_id') }}   as ad_group_entity_id,
        {{ stable_id('tiktok_ads', 'advertiser_id', "'campaign'", 'campaign_id') }}  as campaign_entity_id,
        {{ stable_id('tiktok_ads', 'advertiser_id') }}                               as account_entity_id,
        advertiser_id,
        campaign_id,
        adgroup_id,
        ad_id,
        observed_at,
        null::timestamptz                                                             as captured_at,
        spend,
        impressions,
        clicks,
        purchases,
        conversions,
        purchase_value                                                                as platform_revenue

    from unioned

)

select * from final
