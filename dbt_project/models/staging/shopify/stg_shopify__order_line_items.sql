with

source as (

    select * from {{ source('shopify', 'order_line_items') }}

),

renamed as (

    select
        -- keys
        lower(btrim(shop_domain))::text             as shop_domain,
        order_id::bigint                            as order_id,
        line_item_id::bigint                        as line_item_id,
        product_id::bigint                          as product_id,
        variant_id::bigint                          as variant_id,

        -- attributes
        nullif(btrim(sku), '')::text                as sku,
        btrim(title)::text                          as title,
        quantity::integer                           as quantity,
        current_quantity::integer                   as current_quantity,

        -- money (order currency)
        original_unit_price::numeric(20, 6)         as original_unit_price,
        total_discount::numeric(20, 6)              as total_discount,
        discount_allocated::numeric(20, 6)          as discount_allocated,
        tax::numeric(20, 6)                         as tax,

        -- lineage
        ingestion_run_id::text                      as ingestion_run_id

    from source

)

select * from renamed
