with

source as (

    select * from {{ source('tiktok_ads', 'advertisers') }}

),

renamed as (

    select
        -- keys
        advertiser_id::text                 as advertiser_id,
        connection_id::text                 as connection_id,

        -- attributes
        nullif(btrim(name), '')::text       as advertiser_name,
        upper(btrim(currency))::text        as currency,
        btrim(timezone)::text               as timezone,
        upper(status)::text                 as advertiser_status,

        -- lineage
        ingestion_run_id::text              as ingestion_run_id,
        extracted_at::timestamptz           as extracted_at

    from source

)

select * from renamed
