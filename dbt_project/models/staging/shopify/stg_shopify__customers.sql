with

source as (

    select * from {{ source('shopify', 'customers') }}

),

renamed as (

    select
        -- keys
        lower(btrim(shop_domain))::text             as shop_domain,
        customer_id::bigint                         as customer_id,

        -- attributes (the email only as its keyed hash)
        nullif(btrim(email_hash), '')::text         as email_hash,
        created_at::timestamptz                     as created_at,
        updated_at::timestamptz                     as updated_at,

        -- lineage
        ingestion_run_id::text                      as ingestion_run_id,
        extracted_at::timestamptz                   as extracted_at

    from source

)

select * from renamed
