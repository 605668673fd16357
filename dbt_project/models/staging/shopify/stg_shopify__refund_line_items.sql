with

source as (

    select * from {{ source('shopify', 'refund_line_items') }}

),

renamed as (

    select
        -- keys
        lower(btrim(shop_domain))::text             as shop_domain,
        refund_id::bigint                           as refund_id,
        line_item_id::bigint                        as line_item_id,

        -- attributes
        quantity::integer                           as quantity,
        upper(nullif(btrim(restock_type), ''))::text as restock_type,
        subtotal::numeric(20, 6)                    as subtotal,
        total_tax::numeric(20, 6)                   as total_tax,

        -- lineage
        ingestion_run_id::text                      as ingestion_run_id

    from source

)

select * from renamed
