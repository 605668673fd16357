with

source as (

    select * from {{ source('meta', 'ad_daily_insights') }}

),

renamed as (

    select
        {{ meta_insight_columns() }},

        -- as returned by the API, for audit and remapping
        actions::jsonb                      as actions,
        action_values::jsonb                as action_values,
        attribution_windows::text           as attribution_windows,

        -- lineage
        ingestion_run_id::text              as ingestion_run_id,
        extracted_at::timestamptz           as extracted_at

    from source

)

select * from renamed
