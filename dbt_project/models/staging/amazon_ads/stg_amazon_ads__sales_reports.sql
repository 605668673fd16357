with

source as (

    select * from {{ source('amazon_ads', 'sales_reports') }}

),

renamed as (

    select
        brand_slug::text                        as brand_slug,
        report_date::date                       as report_date,
        upper(btrim(asin))::text                as asin,
        total_sales::numeric(20, 6)             as total_sales,
        total_units::bigint                     as total_units,
        ad_sales::numeric(20, 6)                as ad_sales,
        ad_units::bigint                        as ad_units,
        upper(currency)::text                   as currency,
        extra_columns::jsonb                    as extra_columns,

        source_file::text                       as source_file,
        source_row_number::integer              as source_row_number,
        ingestion_run_id::text                  as ingestion_run_id,
        loaded_at::timestamptz                  as loaded_at

    from source

)

select * from renamed
