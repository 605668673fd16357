-- Media-partner entities in the entities contract (macros/union_ad_platforms.sql), which
-- dim_ad_entities unions: client > campaign > strategy > placement > creative.
-- Ids come from stable_id('media_partner', client_slug, names down to the entity), so the same
-- campaign name under two clients is two entities. first/last_seen_date span every landed
-- day of the entity or of any of its descendants.

with

creative_daily as (

    select * from {{ ref('int_media_partner__creative_daily') }}

),

creatives as (

    select
        client_slug,
        workspace_slug,
        coalesce(client_name, client_slug)      as client_name,
        currency,
        timezone,
        client_entity_id,
        campaign_entity_id,
        strategy_entity_id,
        placement_entity_id,
        creative_entity_id,
        campaign_name,
        strategy_name,
        placement_name,
        creative_name,
        min(report_date)                        as first_seen_date,
        max(report_date)                        as last_seen_date

    from creative_daily
    group by
        client_slug, workspace_slug, client_name, currency, timezone,
        client_entity_id, campaign_entity_id, strategy_entity_id, placement_entity_id,
        creative_entity_id, campaign_name, strategy_name, placement_name, creative_name

),

media_partner_entities as (

    -- client (the media partner's account level)
    select
        client_entity_id                        as entity_id,
        'client'                                as level,
        null::text                              as parent_entity_id,
        workspace_slug,
        client_slug,
        client_entity_id                        as account_entity_id,
        null::text                              as campaign_entity_id,
        client_name                             as entity_name,
        client_name                             as entity_path,
        currency,
        timezone,
        min(first_seen_date)                    as first_seen_date,
        max(last_seen_date)                     as last_seen_date
    from creatives
    group by client_entity_id, workspace_slug, client_slug, client_name, currency, timezone

    union all

    select
        campaign_entity_id,
        'campaign',
        client_entity_id,
        workspace_slug,
        client_slug,
        client_entity_id,
        campaign_entity_id,
        campaign_name,
        concat_ws(' > ', client_name, campaign_name),
        currency,
        timezone,
        min(first_seen_date),
        max(last_seen_date)
    from creatives
    group by
        campaign_entity_id, client_entity_id, workspace_slug, client_slug, client_name,
        campaign_name, currency, timezone

    union all

    select
        strategy_entity_id,
        'strategy',
        campaign_entity_id,
        workspace_slug,
        client_slug,
        client_entity_id,
        campaign_entity_id,
        strategy_name,
        concat_ws(' > ', client_name, campaign_name, strategy_name),
        currency,
        timezone,
        min(first_seen_date),
        max(last_seen_date)
    from creatives
    group by
        strategy_entity_id, campaign_entity_id, client_entity_id, workspace_slug, client_slug,
        client_name, campaign_name, strategy_name, currency, timezone

    union all

    select
        placement_entity_id,
        'placement',
        strategy_entity_id,
        workspace_slug,
        client_slug,
        client_entity_id,
        campaign_entity_id,
        placement_name,
        concat_ws(' > ', client_name, campaign_name, strategy_name, placement_name),
        currency,
        timezone,
        min(first_seen_date),
        max(last_seen_date)
    from creatives
    group by
        placement_entity_id, strategy_entity_id, campaign_entity_id, client_entity_id,
        workspace_slug, client_slug, client_name, campaign_name, strategy_name, placement_name,
        currency, timezone

    union all

    select
        creative_entity_id,
        'creative',
        placement_entity_id,
        workspace_slug,
        client_slug,
        client_entity_id,
        campaign_entity_id,
        creative_name,
        concat_ws(' > ', client_name, campaign_name, strategy_name, placement_name, creative_name),
        currency,
        timezone,
        first_seen_date,
        last_seen_date
    from creatives

),

final as (

    -- the export carries no status, goal or deletion: every entity it shows is active, and
    -- the partner is bought for conversions; nor platform ids: names are the identity.
    {{ ad_entity_final(
        'media_partner', 'media_partner_entities', status="'active'", goal="'conversions'",
        is_deleted='false', platform_account_id='null', platform_entity_id='null',
        is_inferred='false'
    ) }}

)

select * from final
