with

source as (

    select * from {{ source('metrics_config', 'media_partner_cpm_rates') }}

),

renamed as (

    select
        client_slug::text           as client_slug,
        effective_from::date        as effective_from,
        cpm::numeric(18, 6)         as cpm

    from source

)

select * from renamed
