-- One row per keyword entity and day, summed over the winning format's rows (one per search
-- term), with the entity ids of every level of account (the brand) > portfolio > campaign >
-- ad group > keyword.
--
-- Ids: stable_id('amazon_ads', brand_slug, '<level>', names down to the entity); names are the
-- identity in this source. A Sponsored Brands or Display campaign's names start with its ad type
-- (an SB campaign may share an SP campaign's name; SP ids are those from before SB and SD
-- landed). A target without a match type (product, audience) has its targeting type in its place. A campaign belongs to one portfolio: the latest one the winning rows
-- name for it (the current name applies to all history, as for the other platforms), else
-- '(no portfolio)', so every campaign has a parent one level up.
-- Left joins on purpose: a row never disappears because its brand is missing from the config;
-- workspace etc. are then null and the tests say so.

with

winning_rows as (

    select * from {{ ref('int_amazon_ads__keyword_report_ranked') }}
    where is_winning

),

brands as (

    select * from {{ ref('stg_metrics_config__amazon_brands') }}

),

clients as (

    select * from {{ ref('stg_metrics_config__clients') }}

),

campaign_portfolios as (

    select distinct on (brand_slug, ad_type, campaign_name)
        brand_slug,
        ad_type,
        campaign_name,
        portfolio_name

    from winning_rows
    where portfolio_name is not null
    order by brand_slug, ad_type, campaign_name, report_date desc, format_rank, portfolio_name

),

summed as (

    select
        brand_slug,
        report_date,
        ad_type,
        campaign_name,
        ad_group_name,
        keyword_text,
        match_type,
        targeting_type,
        min(winning_format)                         as source_format,
        sum(impressions)::bigint                    as impressions,
        sum(clicks)::bigint                         as clicks,
        sum(spend)                                  as spend,
        sum(orders)::bigint                         as orders,
        sum(sales)                                  as sales,
        count(distinct search_term)::integer        as search_terms,
        count(*)::integer                           as source_row_count

    from winning_rows
    group by 1, 2, 3, 4, 5, 6, 7, 8

),

named as (

    select
        summed.*,
        coalesce(campaign_portfolios.portfolio_name, '(no portfolio)')  as portfolio_name,
        case
            when summed.ad_type = 'SP' then summed.campaign_name
            else summed.ad_type || chr(31) || summed.campaign_name
        end                                                             as campaign_key,
        coalesce(summed.match_type, summed.targeting_type)              as match_key

    from summed

    left join campaign_portfolios
        on  campaign_portfolios.brand_slug = summed.brand_slug
        and campaign_portfolios.ad_type = summed.ad_type
        and campaign_portfolios.campaign_name = summed.campaign_name

),

final as (

    select
        named.brand_slug,
        named.report_date,
        clients.workspace_slug,
        brands.client_slug,
        coalesce(clients.client_name, named.brand_slug)         as brand_name,
        brands.currency,
        clients.timezone,

        {{ stable_id('amazon_ads', 'named.brand_slug') }}
            as account_entity_id,
        {{ stable_id('amazon_ads', 'named.brand_slug', "'portfolio'", 'named.portfolio_name') }}
            as portfolio_entity_id,
        {{ stable_id('amazon_ads', 'named.brand_slug', "'campaign'", 'named.campaign_key') }}
            as campaign_entity_id,
        {{ stable_id('amazon_ads', 'named.brand_slug', "'ad_group'", 'named.campaign_key',
                     'named.ad_group_name') }}
            as ad_group_entity_id,
        {{ stable_id('amazon_ads', 'named.brand_slug', "'keyword'", 'named.campaign_key',
                     'named.ad_group_name', 'named.match_key', 'named.keyword_text') }}
            as keyword_entity_id,

        named.portfolio_name,
        named.campaign_name,
        named.ad_group_name,
        named.keyword_text,
        named.match_type,
        named.targeting_type,
        named.ad_type,
        named.source_format,

        named.impressions,
        named.clicks,
        named.spend,
        named.orders,
        named.sales,
        named.search_terms,
        named.source_row_count

    from named

    left join brands
        on brands.brand_slug = named.brand_slug

    left join clients
        on clients.client_slug = brands.client_slug

)

select * from final
