-- What each closed (ad, day) first said. spend as in stg_google_ads__ad_daily_metrics.

with

source as (

    select * from {{ source('google_ads', 'ad_daily_metrics_first_reported') }}

),

renamed as (

    select
        -- keys
        customer_id::bigint                                 as customer_id,
        campaign_id::bigint                                 as campaign_id,
        ad_group_id::bigint                                 as ad_group_id,
        ad_id::bigint                                       as ad_id,
        metric_date::date                                   as metric_date,

        -- money and counts
        cost_micros::bigint                                 as cost_micros,
        (cost_micros::numeric * 0.000001)::numeric(20, 6)   as spend,
        impressions::bigint                                 as impressions,
        clicks::bigint                                      as clicks,
        conversions::numeric(20, 6)                         as conversions,
        conversions_value::numeric(20, 6)                   as conversions_value,

        -- lineage
        first_reported_at::timestamptz                      as first_reported_at

    from source

)

select * from renamed
