-- Today's cumulative metrics per ad, one row per capture. spend as in
-- google_ads_metric_columns.

with

source as (

    select * from {{ source('google_ads', 'ad_intraday_snapshots') }}

),

renamed as (

    select
        {{ google_ads_metric_columns(extra_keys=['captured_at::timestamptz as captured_at']) }},

        -- lineage
        ingestion_run_id::text                              as ingestion_run_id

    from source

)

select * from renamed
