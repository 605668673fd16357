with

source as (

    select * from {{ source('meta', 'ad_accounts') }}

),

renamed as (

    select
        -- keys
        account_id::text                    as account_id,
        connection_id::text                 as connection_id,

        -- attributes
        nullif(btrim(name), '')::text       as account_name,
        upper(btrim(currency))::text        as currency,
        btrim(timezone_name)::text          as timezone,
        account_status::integer             as account_status,

        -- lineage
        ingestion_run_id::text              as ingestion_run_id,
        extracted_at::timestamptz           as extracted_at

    from source

)

select * from renamed
