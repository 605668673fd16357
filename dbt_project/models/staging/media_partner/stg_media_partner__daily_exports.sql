with

source as (

    select * from {{ source('media_partner', 'daily_exports') }}

),

renamed as (

    select
        -- keys
        client_slug::text                       as client_slug,
        report_date::date                       as report_date,

        -- hierarchy names (the identity of entities in this source)
        btrim(campaign_name)::text              as campaign_name,
        btrim(strategy_name)::text              as strategy_name,
        btrim(placement_name)::text             as placement_name,
        btrim(creative_name)::text              as creative_name,

        -- counts and money
        impressions::bigint                     as impressions,
        clicks::bigint                          as clicks,
        conversions::bigint                     as conversions,
        conversion_revenue::numeric(20, 6)      as conversion_revenue,
        reported_ctr::text                      as reported_ctr,

        -- lineage
        source_file::text                       as source_file,
        source_row_number::integer              as source_row_number,
        ingestion_run_id::text                  as ingestion_run_id,
        loaded_at::timestamptz                  as loaded_at

    from source

)

select * from renamed
