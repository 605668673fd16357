-- spend = cost_micros / 10^6, computed as cost_micros x 0.000001: a numeric product is exact
-- (scale 6), where numeric division could round large quotients.

with

source as (

    select * from {{ source('google_ads', 'ad_daily_metrics') }}

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
        ingestion_run_id::text                              as ingestion_run_id,
        extracted_at::timestamptz                           as extracted_at

    from source

)

select * from renamed
