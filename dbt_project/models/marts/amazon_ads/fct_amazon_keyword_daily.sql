-- Keyword metrics per keyword (or product, automatic or audience target) and day, for Sponsored
-- Products, Brands and Display (DESIGN "Keyword metrics"): the winning export format's
-- rows summed over search terms, ratios recomputed from the counts (the exports' own CTR, CPC,
-- ACOS, ROAS and conversion rate stay in raw, as exported):
--   ctr = clicks / impressions          cpc  = spend / clicks
--   roas = sales / spend                acos = spend / sales
--   conversion_rate = orders / clicks
-- via ad_ratios (macros/ad_reporting.sql: 6 decimals, null when the denominator is 0). Money in
-- the brand's currency.

{{ day_keyed_mart('report_date', indexes=[
    {'columns': ['brand_slug', 'report_date']}
]) }}

with

keyword_daily as (

    select * from {{ ref('int_amazon_ads__keyword_daily') }}
    where {{ in_build_window('report_date') }}

),

final as (

    select
        report_date,
        keyword_entity_id,
        brand_slug,
        workspace_slug,
        client_slug,
        account_entity_id,
        portfolio_entity_id,
        campaign_entity_id,
        ad_group_entity_id,
        portfolio_name,
        campaign_name,
        ad_group_name,
        keyword_text,
        match_type,
        targeting_type,
        ad_type,
        source_format,
        currency,

        impressions,
        clicks,
        spend,
        orders,
        sales,
        search_terms,

        {{ ad_ratios(['ctr', 'cpc', 'roas', 'acos', 'conversion_rate'], conversions='orders', revenue='sales') }}

    from keyword_daily

)

select * from final
