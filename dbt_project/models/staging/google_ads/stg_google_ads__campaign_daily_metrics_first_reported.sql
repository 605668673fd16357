-- What each closed (campaign, day) first said. spend as in google_ads_metric_columns.

with

source as (

    select * from {{ source('google_ads', 'campaign_daily_metrics_first_reported') }}

),

renamed as (

    select
        {{ google_ads_metric_columns(keys=['customer_id', 'campaign_id']) }},

        -- lineage
        first_reported_at::timestamptz                      as first_reported_at

    from source

)

select * from renamed
