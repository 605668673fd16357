with

source as (

    select * from {{ source('google_ads', 'campaigns') }}

),

renamed as (

    select
        -- keys
        customer_id::bigint                         as customer_id,
        campaign_id::bigint                         as campaign_id,

        -- attributes
        btrim(name)::text                           as campaign_name,
        upper(status)::text                         as campaign_status,
        upper(advertising_channel_type)::text       as advertising_channel_type,
        upper(bidding_strategy_type)::text          as bidding_strategy_type,

        -- lineage
        ingestion_run_id::text                      as ingestion_run_id,
        extracted_at::timestamptz                   as extracted_at

    from source

)

select * from renamed
