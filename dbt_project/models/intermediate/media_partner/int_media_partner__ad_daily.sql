-- The media partner in the ad_daily contract (macros/union_ad_platforms.sql): one row per
-- creative and report_date, metric_kind 'daily' only (the export has no first report and no
-- intraday capture). spend = impressions / 1000 x the CPM in force (null when none is);
-- platform_revenue = conversion_revenue.

with

creative_daily as (

    select * from {{ ref('int_media_partner__creative_daily') }}

),

final as (

    select
        'media_partner'::text               as platform,
        'daily'::text                       as metric_kind,
        report_date::date                   as metric_date,
        creative_entity_id::text            as entity_id,
        client_entity_id::text              as account_entity_id,
        null::timestamptz                   as captured_at,
        spend::numeric                      as spend,
        impressions::bigint                 as impressions,
        clicks::bigint                      as clicks,
        conversions::numeric                as conversions,
        conversion_revenue::numeric         as platform_revenue

    from creative_daily

)

select * from final
