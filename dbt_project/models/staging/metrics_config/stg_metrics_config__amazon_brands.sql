with

source as (

    select * from {{ source('metrics_config', 'amazon_brands') }}

),

renamed as (

    select
        brand_slug::text                        as brand_slug,
        client_slug::text                       as client_slug,
        upper(btrim(currency))::text            as currency

    from source

)

select * from renamed
