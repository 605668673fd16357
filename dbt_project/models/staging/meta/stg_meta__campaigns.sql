with

source as (

    select * from {{ source('meta', 'campaigns') }}

),

renamed as (

    select
        -- keys
        account_id::text                    as account_id,
        campaign_id::text                   as campaign_id,

        -- attributes
        btrim(name)::text                   as campaign_name,
        upper(status)::text                 as campaign_status,
        upper(effective_status)::text       as effective_status,
        upper(objective)::text              as objective,
        created_time::timestamptz           as created_time,
        updated_time::timestamptz           as updated_time,

        -- lineage
        ingestion_run_id::text              as ingestion_run_id,
        extracted_at::timestamptz           as extracted_at

    from source

)

select * from renamed
