with

source as (

    select * from {{ source('shopify', 'variant_cost_observations') }}

),

renamed as (

    select
        -- keys
        lower(btrim(shop_domain))::text             as shop_domain,
        variant_id::bigint                          as variant_id,
        observed_at::timestamptz                    as observed_at,

        -- attributes (shop currency)
        unit_cost::numeric(20, 6)                   as unit_cost,

        -- lineage
        ingestion_run_id::text                      as ingestion_run_id

    from source

)

select * from renamed
