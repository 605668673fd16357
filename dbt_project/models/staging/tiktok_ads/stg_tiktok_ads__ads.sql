with

source as (

    select * from {{ source('tiktok_ads', 'ads') }}

),

renamed as (

    select
        -- keys
        advertiser_id::text                 as advertiser_id,
        ad_id::text                         as ad_id,
        adgroup_id::text                    as adgroup_id,
        campaign_id::text                   as campaign_id,

        -- attributes
        btrim(ad_name)::text                as ad_name,
        upper(operation_status)::text       as operation_status,
        upper(secondary_status)::text       as secondary_status,
        nullif(btrim(landing_page_url), '')::text as landing_page_url,

        -- lineage
        ingestion_run_id::text              as ingestion_run_id,
        extracted_at::timestamptz           as extracted_at

    from source

)

select * from renamed
