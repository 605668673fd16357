-- Metrics are cumulative since the start of metric_date.

with

source as (

    select * from {{ source('meta', 'ad_intraday_snapshots') }}

),

renamed as (

    select
        {{ meta_insight_columns(extra_keys=['captured_at::timestamptz as captured_at']) }},

        -- lineage
        ingestion_run_id::text              as ingestion_run_id

    from source

)

select * from renamed
