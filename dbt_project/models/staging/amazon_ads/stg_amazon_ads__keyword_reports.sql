with

source as (

    select * from {{ source('amazon_ads', 'keyword_reports') }}

),

renamed as (

    select
        -- keys
        brand_slug::text                        as brand_slug,
        source_format::text                     as source_format,
        ad_type::text                           as ad_type,
        report_date::date                       as report_date,

        -- hierarchy names (the identity of entities in this source)
        nullif(btrim(portfolio_name), '')::text as portfolio_name,
        btrim(campaign_name)::text              as campaign_name,
        btrim(ad_group_name)::text              as ad_group_name,
        btrim(keyword_text)::text               as keyword_text,
        match_type::text                        as match_type,
        targeting_type::text                    as targeting_type,
        nullif(btrim(search_term), '')::text    as search_term,

        -- counts and money
        impressions::bigint                     as impressions,
        clicks::bigint                          as clicks,
        spend::numeric(20, 6)                   as spend,
        orders::bigint                          as orders,
        sales::numeric(20, 6)                   as sales,
        upper(currency)::text                   as currency,

        -- as exported, for audit
        reported_ctr::text                      as reported_ctr,
        reported_cpc::text                      as reported_cpc,
        reported_acos::text                     as reported_acos,
        reported_roas::text                     as reported_roas,
        reported_conversion_rate::text          as reported_conversion_rate,
        extra_columns::jsonb                    as extra_columns,

        -- lineage
        source_file::text                       as source_file,
        source_row_number::integer              as source_row_number,
        ingestion_run_id::text                  as ingestion_run_id,
        loaded_at::timestamptz                  as loaded_at

    from source

)

select * from renamed
