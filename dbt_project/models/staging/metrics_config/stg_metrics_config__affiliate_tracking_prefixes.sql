with

source as (

    select * from {{ source('metrics_config', 'affiliate_tracking_prefixes') }}

),

renamed as (

    select
        tracking_id_prefix::text            as tracking_id_prefix,
        client_slug::text                   as client_slug,
        upper(btrim(currency))::text        as currency

    from source

)

select * from renamed
