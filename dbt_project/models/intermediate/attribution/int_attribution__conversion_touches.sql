-- The touches each conversion counts, shared by every attribution model (fct_attribution_links)
-- and by the Markov chain's converting paths (int_attribution__markov_removal_effects), so
-- that both see exactly the same touches. One row per conversion x counted touch.
--
-- Conversions: non-cancelled Shopify orders linked to a pixel visitor by checkout token
-- (int_attribution__order_visitors); converted_at is the pixel's checkout_completed time.
-- Touches that count: the visitor's fct_touchpoints with
--   converted_at - lookback_days <= occurred_at <= converted_at
-- (lookback_days from the workspace's attribution settings). 'direct' touches (no click id, no
-- UTM, no external referrer) count only when the window holds nothing else, as in "last
-- non-direct click": a buyer typing the URL to come back does not take the credit from the ad
-- that brought them. Orders whose window holds no touch, and orders without a journey, have no
-- rows. position: 1 .. touchpoint_count in time order (ties by touchpoint_id).

with

conversions as (

    select
        order_visitors.order_key,
        order_visitors.visitor_key,
        order_visitors.converted_at,
        orders.shop_domain,
        orders.order_id,
        orders.order_name,
        orders.workspace_slug,
        orders.client_slug,
        orders.currency,
        orders.processed_at,
        orders.order_date,
        orders.net_revenue,
        orders.cogs,
        orders.gross_profit,
        settings.lookback_days,
        settings.position_based_first,
        settings.position_based_last,
        settings.time_decay_half_life_days

    from {{ ref('int_attribution__order_visitors') }} as order_visitors

    join {{ ref('fct_orders') }} as orders
        on orders.order_key = order_visitors.order_key

    join {{ ref('int_attribution__settings') }} as settings
        on settings.workspace_slug = orders.workspace_slug

    where not orders.is_cancelled

),

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}

),

in_window as (

    select
        conversions.*,
        touchpoints.touchpoint_id,
        touchpoints.occurred_at                                         as touch_occurred_at,
        touchpoints.touch_date,
        touchpoints.channel,
        touchpoints.match_type,
        touchpoints.confidence,
        touchpoints.entity_id,
        touchpoints.platform,
        touchpoints.entity_level,
        touchpoints.account_entity_id,
        touchpoints.campaign_entity_id,
        bool_or(touchpoints.channel <> 'direct') over (partition by conversions.order_key)
                                                                        as has_non_direct_touch

    from conversions

    join touchpoints
        on  touchpoints.visitor_key = conversions.visitor_key
        and touchpoints.occurred_at <= conversions.converted_at
        and touchpoints.occurred_at >= conversions.converted_at - conversions.lookback_days * interval '1 day'

),

counted as (

    select
        in_window.*,
        row_number() over (
            partition by order_key order by touch_occurred_at, touchpoint_id
        )::integer                                                      as position,
        count(*) over (partition by order_key)::integer                 as touchpoint_count,
        extract(epoch from converted_at - touch_occurred_at)::numeric / 86400
                                                                        as days_before_conversion

    from in_window

    where channel <> 'direct' or not has_non_direct_touch

)

select * from counted
