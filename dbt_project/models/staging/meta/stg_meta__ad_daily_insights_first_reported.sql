with

source as (

    select * from {{ source('meta', 'ad_daily_insights_first_reported') }}

),

renamed as (

    select
        {{ meta_insight_columns() }},

        -- lineage
        first_reported_at::timestamptz      as first_reported_at

    from source

)

select * from renamed
