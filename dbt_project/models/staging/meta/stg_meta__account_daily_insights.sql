with

source as (

    select * from {{ source('meta', 'account_daily_insights') }}

),

renamed as (

    select
        -- keys
        account_id::text                    as account_id,
        date_start::date                    as metric_date,

        -- what Meta bills the account that day (account currency)
        spend::numeric(20, 6)               as spend,
        impressions::bigint                 as impressions,
        clicks::bigint                      as clicks,

        -- lineage
        ingestion_run_id::text              as ingestion_run_id,
        extracted_at::timestamptz           as extracted_at

    from source

)

select * from renamed
