-- Affiliate in the ad_daily contract (macros/union_ad_platforms.sql): one row per product
-- (under its campaign tracking id) and client local day, metric_kind 'daily' only. The
-- network is paid on commission: spend and impressions 0; conversions = conversion events;
-- platform_revenue = net_revenue (conversions + rebills - refunds).

with

product_daily as (

    select * from {{ ref('int_affiliate__product_daily') }}

),

final as (

    select
        'affiliate'::text                   as platform,
        'daily'::text                       as metric_kind,
        metric_date::date                   as metric_date,
        product_entity_id::text             as entity_id,
        account_entity_id::text             as account_entity_id,
        null::timestamptz                   as captured_at,
        0::numeric                          as spend,
        0::bigint                           as impressions,
        clicks::bigint                      as clicks,
        conversions::numeric                as conversions,
        net_revenue::numeric                as platform_revenue

    from product_daily

)

select * from final
