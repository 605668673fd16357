-- Every Shopify order (cancelled ones included, flagged) attributed to at most one ad entity:
--   1. the order's own landing_site click ids / UTMs, resolved by the touchpoint rules
--      (int_attribution__signal_matches): match_type gclid / utm_id (confidence high),
--      fbclid / ttclid (medium), utm_campaign (low);
--   2. else the last touch of the order's journey that resolved to an entity, among the touches
--      fct_attribution_links counted for it (inside the lookback window): match_type 'journey',
--      with that touch's confidence;
--   3. else match_type 'direct', confidence 'none', no entity.
-- channel: the entity's platform when there is one; else what the order's own landing tags /
-- referrer say (macro marketing_channel) unless that is 'direct'; else the channel of the
-- journey's last counted touch; else 'direct'. So a gclid Google never reported still shows
-- channel google_ads with match_type 'direct' (no entity).

{{ config(indexes=[
    {'columns': ['order_key'], 'unique': True},
    {'columns': ['entity_id']},
]) }}

with

orders as (

    select * from {{ ref('fct_orders') }}

),

own_matches as (

    select * from {{ ref('int_attribution__signal_matches') }}
    where signal_source = 'shopify_order'

),

journey_links as (

    select * from {{ ref('fct_attribution_links') }}
    where model = 'last_touch'

),

-- the journey's last touch in the window, and its last resolved touch
journey_last_touch as (

    select distinct on (order_key)
        order_key, visitor_key, touchpoint_id, channel, touchpoint_count
    from journey_links
    order by order_key, position desc

),

journey_last_resolved as (

    select distinct on (order_key)
        order_key, touchpoint_id, match_type, confidence, entity_id, platform, entity_level,
        account_entity_id, campaign_entity_id, channel
    from journey_links
    where entity_id is not null
    order by order_key, position desc

),

visitors as (

    select order_key, visitor_key from {{ ref('int_attribution__order_visitors') }}

),

joined as (

    select
        orders.*,
        visitors.visitor_key,
        own_matches.match_type                                          as own_match_type,
        own_matches.confidence                                          as own_confidence,
        own_matches.entity_id                                           as own_entity_id,
        own_matches.platform                                            as own_platform,
        own_matches.entity_level                                        as own_entity_level,
        own_matches.account_entity_id                                   as own_account_entity_id,
        own_matches.campaign_entity_id                                  as own_campaign_entity_id,
        journey_last_resolved.touchpoint_id                             as journey_touchpoint_id,
        journey_last_resolved.confidence                                as journey_confidence,
        journey_last_resolved.entity_id                                 as journey_entity_id,
        journey_last_resolved.platform                                  as journey_platform,
        journey_last_resolved.entity_level                              as journey_entity_level,
        journey_last_resolved.account_entity_id                         as journey_account_entity_id,
        journey_last_resolved.campaign_entity_id                        as journey_campaign_entity_id,
        journey_last_touch.channel                                      as journey_last_channel,
        journey_last_touch.touchpoint_count                             as journey_touchpoint_count,
        {{ marketing_channel('null::text', 'orders.gclid', 'orders.fbclid', 'orders.ttclid',
                             'orders.utm_source', 'orders.utm_medium',
                             '(orders.utm_source is not null or orders.utm_medium is not null
                               or orders.utm_campaign is not null or orders.utm_term is not null
                               or orders.utm_content is not null or orders.utm_id is not null)',
                             '(' ~ url_host('orders.referring_site') ~ ' is not null
                               and ' ~ url_host('orders.referring_site') ~ ' is distinct from '
                               ~ url_host('orders.landing_site') ~ '
                               and ' ~ url_host('orders.referring_site') ~ ' <> orders.shop_domain)') }}
                                                                        as landing_channel

    from orders

    left join visitors
        on visitors.order_key = orders.order_key

    left join own_matches
        on own_matches.signal_id = orders.order_key

    left join journey_last_resolved
        on journey_last_resolved.order_key = orders.order_key

    left join journey_last_touch
        on journey_last_touch.order_key = orders.order_key

),

final as (

    select
        order_key,
        shop_domain,
        order_id,
        order_name,
        workspace_slug,
        client_slug,
        currency,
        order_date,
        processed_at,
        is_cancelled,
        net_revenue,
        cogs,
        gross_profit,
        case
            when own_entity_id is not null then own_match_type
            when journey_entity_id is not null then 'journey'
            else 'direct'
        end                                                             as match_type,
        case
            when own_entity_id is not null then own_confidence
            when journey_entity_id is not null then journey_confidence
            else 'none'
        end                                                             as confidence,
        coalesce(own_entity_id, journey_entity_id)                      as entity_id,
        coalesce(own_platform, journey_platform)                        as provider,
        coalesce(own_entity_level, journey_entity_level)                as entity_level,
        coalesce(own_account_entity_id, journey_account_entity_id)      as account_entity_id,
        coalesce(own_campaign_entity_id, journey_campaign_entity_id)    as campaign_entity_id,
        case
            when own_entity_id is not null then own_platform
            when journey_entity_id is not null then journey_platform
            when landing_channel <> 'direct' then landing_channel
            else coalesce(journey_last_channel, landing_channel)
        end                                                             as channel,
        case when own_entity_id is null and journey_entity_id is not null
             then journey_touchpoint_id end                             as journey_touchpoint_id,
        visitor_key,
        coalesce(journey_touchpoint_count, 0)                           as journey_touchpoint_count,
        gclid,
        fbclid,
        utm_source,
        utm_medium,
        utm_campaign,
        utm_content,
        utm_id

    from joined

)

select * from final
