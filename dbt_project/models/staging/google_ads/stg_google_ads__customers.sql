with

source as (

    select * from {{ source('google_ads', 'customers') }}

),

renamed as (

    select
        -- keys
        customer_id::bigint                         as customer_id,
        manager_customer_id::bigint                 as manager_customer_id,
        connection_id::text                         as connection_id,

        -- attributes
        nullif(btrim(descriptive_name), '')::text   as customer_name,
        upper(btrim(currency_code))::text           as currency,
        btrim(time_zone)::text                      as timezone,
        is_manager::boolean                         as is_manager,
        upper(status)::text                         as customer_status,
        conversion_window_days::integer             as conversion_window_days,

        -- lineage
        ingestion_run_id::text                      as ingestion_run_id,
        extracted_at::timestamptz                   as extracted_at

    from source

)

select * from renamed
