with

source as (

    select * from {{ source('tiktok_ads', 'adgroups') }}

),

renamed as (

    select
        -- keys
        advertiser_id::text                 as advertiser_id,
        adgroup_id::text                    as adgroup_id,
        campaign_id::text                   as campaign_id,

        -- attributes
        btrim(adgroup_name)::text           as adgroup_name,
        upper(optimization_goal)::text      as optimization_goal,
        upper(operation_status)::text       as operation_status,
        upper(secondary_status)::text       as secondary_status,

        -- lineage
        ingestion_run_id::text              as ingestion_run_id,
        extracted_at::timestamptz           as extracted_at

    from source

)

select * from renamed
