with

source as (

    select * from {{ source('metrics_config', 'connection_account_clients') }}

),

renamed as (

    select
        connection_id::text     as connection_id,
        account_id::text        as account_id,
        client_slug::text       as client_slug

    from source

)

select * from renamed
