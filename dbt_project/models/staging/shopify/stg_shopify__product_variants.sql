with

source as (

    select * from {{ source('shopify', 'product_variants') }}

),

renamed as (

    select
        -- keys
        lower(btrim(shop_domain))::text             as shop_domain,
        variant_id::bigint                          as variant_id,
        product_id::bigint                          as product_id,
        inventory_item_id::bigint                   as inventory_item_id,

        -- attributes
        nullif(btrim(sku), '')::text                as sku,
        nullif(btrim(title), '')::text              as variant_title,
        price::numeric(20, 6)                       as price,

        -- lineage
        ingestion_run_id::text                      as ingestion_run_id,
        extracted_at::timestamptz                   as extracted_at

    from source

)

select * from renamed
