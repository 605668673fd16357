with

source as (

    select * from {{ source('metrics_config', 'amazon_asin_skus') }}

),

renamed as (

    select
        brand_slug::text                        as brand_slug,
        upper(btrim(asin))::text                as asin,
        btrim(sku)::text                        as sku

    from source

)

select * from renamed
