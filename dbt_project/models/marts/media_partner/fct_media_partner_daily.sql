-- Media-partner metrics, one row per creative and report_date (the client's local day).
-- spend = impressions / 1000 x the CPM in force that day (exact numeric); ratios via ad_ratios
-- (macros/ad_reporting.sql: numeric, 6 decimals, null when the denominator is 0).

{{ day_keyed_mart('report_date', indexes=[
    {'columns': ['creative_entity_id', 'report_date']}
]) }}

with

creative_daily as (

    select * from {{ ref('int_media_partner__creative_daily') }}
    where {{ in_build_window('report_date') }}

),

final as (

    select
        report_date,
        workspace_slug,
        client_slug,
        client_entity_id,
        campaign_entity_id,
        strategy_entity_id,
        placement_entity_id,
        creative_entity_id,
        campaign_name,
        strategy_name,
        placement_name,
        creative_name,
        currency,

        impressions,
        clicks,
        conversions,
        conversion_revenue                                  as revenue,
        cpm_rate,
        spend,

        {{ ad_ratios(['ctr', 'cpc', 'cpm', 'cpa', 'roas'], revenue='conversion_revenue') }}

    from creative_daily

)

select * from final
