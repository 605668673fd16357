with

source as (

    select * from {{ source('tiktok_ads', 'campaigns') }}

),

renamed as (

    select
        -- keys
        advertiser_id::text                 as advertiser_id,
        campaign_id::text                   as campaign_id,

        -- attributes
        btrim(campaign_name)::text          as campaign_name,
        upper(objective_type)::text         as objective_type,
        upper(operation_status)::text       as operation_status,
        upper(secondary_status)::text       as secondary_status,
        create_time::timestamptz            as created_at,
        modify_time::timestamptz            as modified_at,

        -- lineage
        ingestion_run_id::text              as ingestion_run_id,
        extracted_at::timestamptz           as extracted_at

    from source

)

select * from renamed
