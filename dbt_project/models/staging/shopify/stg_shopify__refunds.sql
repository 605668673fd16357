with

source as (

    select * from {{ source('shopify', 'refunds') }}

),

renamed as (

    select
        -- keys
        lower(btrim(shop_domain))::text             as shop_domain,
        order_id::bigint                            as order_id,
        refund_id::bigint                           as refund_id,

        -- attributes
        created_at::timestamptz                     as created_at,
        total_refunded::numeric(20, 6)              as total_refunded,

        -- lineage
        ingestion_run_id::text                      as ingestion_run_id

    from source

)

select * from renamed
