-- Multi-touch attribution: one row per conversion (a non-cancelled Shopify order linked to a
-- pixel visitor by its checkout token, int_attribution__order_visitors) x touchpoint x model.
--
-- Touches that count (int_attribution__conversion_touches, which the Markov chain reads too):
-- the visitor's fct_touchpoints with
--   converted_at - lookback_days <= occurred_at <= converted_at
-- (lookback_days from the workspace's attribution settings; converted_at is the pixel's
-- checkout_completed time). 'direct' touches (no click id, no UTM, no external referrer) count
-- only when the window holds nothing else, as in "last non-direct click": a buyer typing the
-- URL to come back does not take the credit from the ad that brought them. Orders whose window
-- holds no touch, and orders without a journey, have no links.
-- position: 1 .. touchpoint_count in time order (ties by touchpoint_id).
--
-- Models (macro attribution_weight; every model lists every touch, possibly with weight 0):
--   first_touch     1 on position 1
--   last_touch      1 on the last position
--   linear          1 / n each
--   position_based  first / last shares from the settings (default 0.4 / 0.4), the middle
--                   share 1 - first - last split evenly over the n - 2 middle touches; one touch
--                   gets 1; two touches get first / (first + last) and last / (first + last)
--                   (0.5 each with the defaults; 0.5 each if both shares are 0)
--   time_decay      2 ^ (-days_before_conversion / time_decay_half_life_days), normalised to sum
--                   to 1 (days_before_conversion is fractional: the exact interval / 86400 s;
--                   computed relative to the latest touch, which changes nothing after
--                   normalising but keeps the total away from a numeric underflow to 0)
--   markov          data-driven: the removal effect of each channel on the order's path
--                   (int_attribution__markov_removal_effects, a Markov chain over the
--                   workspace's converting and abandoned journeys), normalised over the
--                   order's distinct channels to sum to 1, each channel's share split evenly
--                   over its touches; linear (1 / n) when those channels' removal effects are
--                   all 0 (or unknown)
-- Weights are numeric rounded to 12 decimals, the last position taking the rounding remainder,
-- so that a conversion's weights sum to exactly 1 per model and its attributed_revenue to
-- exactly the order's net revenue.
-- attributed_revenue / attributed_cogs / attributed_gross_profit = weight x the order's
-- net_revenue / cogs / gross_profit (fct_orders, to date), in the order's (shop's) currency.

{{ config(indexes=[
    {'columns': ['order_key', 'model']},
    {'columns': ['entity_id', 'order_date']},
]) }}

with

counted as (

    select * from {{ ref('int_attribution__conversion_touches') }}

),

removal_effects as (

    select * from {{ ref('int_attribution__markov_removal_effects') }}

),

decayed as (

    select
        counted.*,
        -- relative to the conversion's latest touch (which gets 1): the same weights once
        -- normalised, and the total never underflows to 0 with a tiny half-life
        power(2::numeric, -((days_before_conversion
                             - min(days_before_conversion) over (partition by order_key))
                            / time_decay_half_life_days))                as decay_raw,
        -- markov: the channel's removal effect, split evenly over the order's touches of that
        -- channel (the total over the order is then the sum over its distinct channels)
        coalesce(removal_effects.removal_effect, 0)::numeric
        / count(*) over (partition by counted.order_key, counted.channel)   as markov_raw

    from counted

    left join removal_effects
        on  removal_effects.workspace_slug = counted.workspace_slug
        and removal_effects.channel = counted.channel

),

with_models as (

    select
        decayed.*,
        models.model,
        sum(decay_raw) over (partition by order_key, models.model)      as decay_total,
        sum(markov_raw) over (partition by order_key, models.model)     as markov_total

    from decayed

    cross join (
        values ('first_touch'), ('last_touch'), ('linear'), ('position_based'), ('time_decay'),
               ('markov')
    ) as models (model)

),

weighted as (

    select
        with_models.*,
        round(
            {{ attribution_weight('model', 'position', 'touchpoint_count', 'position_based_first',
                                  'position_based_last', 'decay_raw', 'decay_total',
                                  'markov_raw', 'markov_total') }},
            12
        )                                                               as rounded_weight

    from with_models

),

normalised as (

    select
        weighted.*,
        case
            when position = touchpoint_count
                then 1 - (sum(rounded_weight) over (partition by order_key, model) - rounded_weight)
            else rounded_weight
        end                                                             as weight

    from weighted

),

final as (

    select
        order_key,
        touchpoint_id,
        model,
        weight,
        position,
        touchpoint_count,
        attributed_revenue,
        attributed_cogs,
        attributed_gross_profit,
        currency,
        order_net_revenue,
        entity_id,
        platform,
        entity_level,
        account_entity_id,
        campaign_entity_id,
        channel,
        match_type,
        confidence,
        shop_domain,
        order_id,
        order_name,
        workspace_slug,
        client_slug,
        visitor_key,
        order_date,
        processed_at,
        converted_at,
        touch_occurred_at,
        touch_date,
        days_before_conversion,
        lookback_days

    from (
        select
            normalised.*,
            weight * net_revenue                                        as attributed_revenue,
            weight * cogs                                               as attributed_cogs,
            weight * gross_profit                                       as attributed_gross_profit,
            net_revenue                                                 as order_net_revenue
        from normalised
    ) as links

)

select * from final
