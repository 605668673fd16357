-- Amazon Ads entities in the unified shape of dim_ad_entities:
-- account (the brand) > portfolio > campaign > ad_group > keyword, built from the keyword-days
-- that count (int_amazon_ads__keyword_daily). The exports carry no ids, status or deletions:
-- names are the identity (platform ids null, as for the media partner), every entity is
-- active, and sponsored ads are bought for purchases. first/last_seen_date span every
-- day of the entity or of any of its descendants. A keyword's name is its text (or targeting
-- expression); its match type, else its targeting type, is part of its identity and its path
-- ("rain jacket [exact]", 'asin="B0ACME0003" [product]').

with

keyword_daily as (

    select * from {{ ref('int_amazon_ads__keyword_daily') }}

),

keywords as (

    select
        brand_slug,
        workspace_slug,
        client_slug,
        brand_name,
        currency,
        timezone,
        account_entity_id,
        portfolio_entity_id,
        campaign_entity_id,
        ad_group_entity_id,
        keyword_entity_id,
        portfolio_name,
        campaign_name,
        ad_group_name,
        keyword_text,
        match_type,
        targeting_type,
        min(report_date)                        as first_seen_date,
        max(report_date)                        as last_seen_date

    from keyword_daily
    group by
        brand_slug, workspace_slug, client_slug, brand_name, currency, timezone,
        account_entity_id, portfolio_entity_id, campaign_entity_id, ad_group_entity_id,
        keyword_entity_id, portfolio_name, campaign_name, ad_group_name, keyword_text, match_type,
        targeting_type

),

amazon_entities as (

    select
        account_entity_id                       as entity_id,
        'account'                               as level,
        null::text                              as parent_entity_id,
        workspace_slug,
        client_slug,
        account_entity_id,
        null::text                              as campaign_entity_id,
        brand_name                              as entity_name,
        brand_name                              as entity_path,
        currency,
        timezone,
        min(first_seen_date)                    as first_seen_date,
        max(last_seen_date)                     as last_seen_date
    from keywords
    group by account_entity_id, workspace_slug, client_slug, brand_name, currency, timezone

    union all

    select
        portfolio_entity_id,
        'portfolio',
        account_entity_id,
        workspace_slug,
        client_slug,
        account_entity_id,
        null::text,
        portfolio_name,
        concat_ws(' > ', brand_name, portfolio_name),
        currency,
        timezone,
        min(first_seen_date),
        max(last_seen_date)
    from keywords
    group by
        portfolio_entity_id, account_entity_id, workspace_slug, client_slug, brand_name,
        portfolio_name, currency, timezone

    union all

    select
        campaign_entity_id,
        'campaign',
        portfolio_entity_id,
        workspace_slug,
        client_slug,
        account_entity_id,
        campaign_entity_id,
        campaign_name,
        concat_ws(' > ', brand_name, portfolio_name, campaign_name),
        currency,
        timezone,
        min(first_seen_date),
        max(last_seen_date)
    from keywords
    group by
        campaign_entity_id, portfolio_entity_id, account_entity_id, workspace_slug, client_slug,
        brand_name, portfolio_name, campaign_name, currency, timezone

    union all

    select
        ad_group_entity_id,
        'ad_group',
        campaign_entity_id,
        workspace_slug,
        client_slug,
        account_entity_id,
        campaign_entity_id,
        ad_group_name,
        concat_ws(' > ', brand_name, portfolio_name, campaign_name, ad_group_name),
        currency,
        timezone,
        min(first_seen_date),
        max(last_seen_date)
    from keywords
    group by
        ad_group_entity_id, campaign_entity_id, account_entity_id, workspace_slug, client_slug,
        brand_name, portfolio_name, campaign_name, ad_group_name, currency, timezone

    union all

    select
        keyword_entity_id,
        'keyword',
        ad_group_entity_id,
        workspace_slug,
        client_slug,
        account_entity_id,
        campaign_entity_id,
        keyword_text,
        concat_ws(' > ', brand_name, portfolio_name, campaign_name, ad_group_name,
                  keyword_text || ' [' || coalesce(match_type, targeting_type) || ']'),
        currency,
        timezone,
        first_seen_date,
        last_seen_date
    from keywords

),

final as (

    {{ ad_entity_final(
        'amazon_ads', 'amazon_entities', status="'active'", goal="'purchases'",
        is_deleted='false', platform_account_id='null', platform_entity_id='null',
        is_inferred='false'
    ) }}

)

select * from final
