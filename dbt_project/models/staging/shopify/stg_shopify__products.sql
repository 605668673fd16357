with

source as (

    select * from {{ source('shopify', 'products') }}

),

renamed as (

    select
        -- keys
        lower(btrim(shop_domain))::text             as shop_domain,
        product_id::bigint                          as product_id,

        -- attributes
        btrim(title)::text                          as product_title,
        nullif(btrim(product_type), '')::text       as product_type,
        nullif(btrim(vendor), '')::text             as vendor,
        upper(btrim(status))::text                  as product_status,

        -- lineage
        ingestion_run_id::text                      as ingestion_run_id,
        extracted_at::timestamptz                   as extracted_at

    from source

)

select * from renamed
