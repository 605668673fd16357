with

source as (

    select * from {{ source('affiliate', 'events') }}

),

renamed as (

    select
        -- keys
        event_id::text                          as event_id,
        event_type::text                        as event_type,
        occurred_at::timestamptz                as occurred_at,
        event_date::date                        as event_date,
        tracking_id::text                       as tracking_id,
        product_id::text                        as product_id,

        -- money: signed, refunds negative
        revenue::numeric(20, 6)                 as revenue,

        -- as exported, for audit
        revenue_as_exported::text               as revenue_as_exported,
        event_type_as_exported::text            as event_type_as_exported,
        refund_flag_as_exported::text           as refund_flag_as_exported,
        source::text                            as traffic_source,
        extra_columns::jsonb                    as extra_columns,

        -- lineage
        source_file::text                       as source_file,
        source_row_number::integer              as source_row_number,
        ingestion_run_id::text                  as ingestion_run_id,
        loaded_at::timestamptz                  as loaded_at

    from source

)

select * from renamed
