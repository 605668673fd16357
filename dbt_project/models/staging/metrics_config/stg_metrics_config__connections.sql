with

source as (

    select * from {{ source('metrics_config', 'connections') }}

),

renamed as (

    select
        connection_id::text             as connection_id,
        workspace_slug::text            as workspace_slug,
        client_slug::text               as client_slug,
        provider::text                  as provider,
        account_ids::text[]             as account_ids,
        manager_customer_id::text       as manager_customer_id,
        status::text                    as connection_status,
        sync_frequency::text            as sync_frequency,
        lookback_days::integer          as lookback_days

    from source

)

select * from renamed
