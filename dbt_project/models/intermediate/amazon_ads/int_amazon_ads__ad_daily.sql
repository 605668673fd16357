-- Amazon Ads in the ad_daily contract (macros/union_ad_platforms.sql): one row per keyword and
-- report_date from the winning export format's rows (int_amazon_ads__keyword_daily),
-- metric_kind 'daily' only. conversions = orders; platform_revenue = sales.

with

keyword_daily as (

    select * from {{ ref('int_amazon_ads__keyword_daily') }}

),

final as (

    select
        'amazon_ads'::text                  as platform,
        'daily'::text                       as metric_kind,
        report_date::date                   as metric_date,
        keyword_entity_id::text             as entity_id,
        account_entity_id::text             as account_entity_id,
        null::timestamptz                   as captured_at,
        spend::numeric                      as spend,
        impressions::bigint                 as impressions,
        clicks::bigint                      as clicks,
        orders::numeric                     as conversions,
        sales::numeric                      as platform_revenue

    from keyword_daily

)

select * from final
