-- What the latest sync says for each (campaign, day), every campaign type: Performance Max
-- has no ad-level rows, so this is what Google bills. Columns and spend as the ad-level view
-- (google_ads_metric_columns), at campaign grain.

with

source as (

    select * from {{ source('google_ads', 'campaign_daily_metrics') }}

),

renamed as (

    select
        {{ google_ads_metric_columns(keys=['customer_id', 'campaign_id']) }},

        -- lineage
        ingestion_run_id::text                              as ingestion_run_id,
        extracted_at::timestamptz                           as extracted_at

    from source

)

select * from renamed
