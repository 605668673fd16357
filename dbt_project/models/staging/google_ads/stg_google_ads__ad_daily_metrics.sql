-- What the latest sync says for each (ad, day); the columns and the spend computation are in
-- the google_ads_metric_columns macro, shared with _first_reported and _intraday_snapshots.

with

source as (

    select * from {{ source('google_ads', 'ad_daily_metrics') }}

),

renamed as (

    select
        {{ google_ads_metric_columns() }},

        -- lineage
        ingestion_run_id::text                              as ingestion_run_id,
        extracted_at::timestamptz                           as extracted_at

    from source

)

select * from renamed
