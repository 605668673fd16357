with

source as (

    select * from {{ source('meta', 'adsets') }}

),

renamed as (

    select
        -- keys
        account_id::text                    as account_id,
        adset_id::text                      as adset_id,
        campaign_id::text                   as campaign_id,

        -- attributes
        btrim(name)::text                   as adset_name,
        upper(status)::text                 as adset_status,
        upper(effective_status)::text       as effective_status,
        upper(optimization_goal)::text      as optimization_goal,

        -- lineage
        ingestion_run_id::text              as ingestion_run_id,
        extracted_at::timestamptz           as extracted_at

    from source

)

select * from renamed
