with

source as (

    select * from {{ source('affiliate', 'catalogue_snapshots') }}

),

renamed as (

    select
        snapshot_date::date                     as snapshot_date,
        product_id::text                        as product_id,
        title::text                             as product_title,
        vendor::text                            as vendor,
        category::text                          as category,
        commission_rate::numeric(9, 6)          as commission_rate,
        commission_amount::numeric(20, 6)       as commission_amount,
        gravity::numeric(14, 4)                 as gravity,
        refund_rate::numeric(9, 6)              as refund_rate,
        is_rebill::boolean                      as is_rebill,
        extra_columns::jsonb                    as extra_columns,
        source_file::text                       as source_file,
        source_row_number::integer              as source_row_number,
        ingestion_run_id::text                  as ingestion_run_id,
        loaded_at::timestamptz                  as loaded_at

    from source

)

select * from renamed
