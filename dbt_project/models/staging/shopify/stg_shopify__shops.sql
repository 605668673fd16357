with

source as (

    select * from {{ source('shopify', 'shops') }}

),

renamed as (

    select
        -- keys
        lower(btrim(shop_domain))::text             as shop_domain,
        connection_id::text                         as connection_id,

        -- attributes
        nullif(btrim(name), '')::text               as shop_name,
        upper(btrim(currency))::text                as currency,
        btrim(timezone)::text                       as timezone,

        -- lineage
        ingestion_run_id::text                      as ingestion_run_id,
        extracted_at::timestamptz                   as extracted_at

    from source

)

select * from renamed
