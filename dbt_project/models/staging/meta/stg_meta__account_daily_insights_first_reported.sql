with

source as (

    select * from {{ source('meta', 'account_daily_insights_first_reported') }}

),

renamed as (

    select
        -- keys
        account_id::text                    as account_id,
        date_start::date                    as metric_date,

        -- what Meta first billed the account that day (account currency)
        spend::numeric(20, 6)               as spend,
        impressions::bigint                 as impressions,
        clicks::bigint                      as clicks,

        -- lineage
        first_reported_at::timestamptz      as first_reported_at

    from source

)

select * from renamed
