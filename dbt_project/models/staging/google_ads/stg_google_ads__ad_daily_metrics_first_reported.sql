-- What each closed (ad, day) first said. spend as in google_ads_metric_columns.

with

source as (

    select * from {{ source('google_ads', 'ad_daily_metrics_first_reported') }}

),

renamed as (

    select
        {{ google_ads_metric_columns() }},

        -- lineage
        first_reported_at::timestamptz                      as first_reported_at

    from source

)

select * from renamed
