-- Google Ads in the ad_daily contract (macros/union_ad_platforms.sql): one row per metric_kind,
-- ad and metric_date, the three kinds int_google_ads__ad_metrics holds ('daily',
-- 'first_reported', 'snapshot'). conversions = Google's conversions; platform_revenue =
-- conversions_value.

with

ad_metrics as (

    select * from {{ ref('int_google_ads__ad_metrics') }}

),

final as (

    select
        'google_ads'::text                  as platform,
        metric_kind::text                   as metric_kind,
        metric_date::date                   as metric_date,
        entity_id::text                     as entity_id,
        account_entity_id::text             as account_entity_id,
        captured_at::timestamptz            as captured_at,
        spend::numeric                      as spend,
        impressions::bigint                 as impressions,
        clicks::bigint                      as clicks,
        conversions::numeric                as conversions,
        platform_revenue::numeric           as platform_revenue

    from ad_metrics

)

select * from final
