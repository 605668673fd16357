with

source as (

    select * from {{ source('metrics_config', 'clients') }}

),

renamed as (

    select
        client_slug::text                       as client_slug,
        workspace_slug::text                    as workspace_slug,
        btrim(client_name)::text                as client_name,
        upper(btrim(currency))::text            as currency,
        btrim(timezone)::text                   as timezone,
        nullif(btrim(pixel_site_id), '')::text  as pixel_site_id

    from source

)

select * from renamed
