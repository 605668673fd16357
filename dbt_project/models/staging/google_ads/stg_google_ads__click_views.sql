with

source as (

    select * from {{ source('google_ads', 'click_views') }}

),

renamed as (

    select
        -- keys
        gclid::text                         as gclid,
        customer_id::bigint                 as customer_id,
        click_date::date                    as click_date,
        campaign_id::bigint                 as campaign_id,
        ad_group_id::bigint                 as ad_group_id,
        ad_id::bigint                       as ad_id,
        keyword_criterion_id::bigint        as keyword_criterion_id,

        -- lineage
        ingestion_run_id::text              as ingestion_run_id,
        extracted_at::timestamptz           as extracted_at

    from source

)

select * from renamed
