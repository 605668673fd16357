-- Shown in Dagster as an asset check on fct_attribution_links (a multi-parent singular test needs the hint).
{{ config(meta={'dagster': {'ref': {'name': 'fct_attribution_links'}}}) }}

-- Every weight in fct_attribution_links equals its model's formula, recomputed here in double
-- precision from the link's position, touchpoint_count, converted_at and touch time, with the
-- settings read straight from config.attribution_settings (defaults 0.4 / 0.4 and a 7-day
-- half-life when the workspace has no row):
--   first_touch     1 at position 1, else 0          last_touch  1 at the last position, else 0
--   linear          1 / n
--   position_based  n = 1: 1;  n = 2: first / (first + last), last / (first + last);
--                   n >= 3: first, last, and (1 - first - last) / (n - 2) in between
--   time_decay      2^(-d / half_life) / sum over the conversion's touches, d in days
--   markov          the touch's channel's removal effect (int_attribution__markov_removal_effects)
--                   / the conversion's touches of that channel, normalised over the
--                   conversion; 1 / n when the conversion's channels all have 0
-- within 1e-9 (the mart rounds to 12 decimals). Returns the links that differ.

with

links as (

    select links.*,
           coalesce(settings.position_based_first, 0.4)::float8         as first_share,
           coalesce(settings.position_based_last, 0.4)::float8          as last_share,
           coalesce(settings.time_decay_half_life_days, 7)::float8      as half_life,
           extract(epoch from links.converted_at - links.touch_occurred_at)::float8 / 86400
                                                                        as days_before
    from {{ ref('fct_attribution_links') }} as links
    left join {{ source('metrics_config', 'attribution_settings') }} as settings
        on settings.workspace_slug = links.workspace_slug

),

with_decay as (

    select
        links.*,
        power(2::float8, -least((days_before - min_days_before) / half_life, 1000))
                                                                        as decay,
        sum(power(2::float8, -least((days_before - min_days_before) / half_life, 1000)))
            over (partition by order_key, model)                        as decay_total,
        coalesce(removal.removal_effect, 0)::float8
        / count(*) over (partition by order_key, model, links.channel)  as markov_share
    from (
        -- 2^(-d/h) / sum 2^(-d/h) = 2^(-(d - m)/h) / sum 2^(-(d - m)/h) for any m; m = the
        -- latest touch's d keeps the total above 0 with a tiny half-life; 2^-1000 stands in for
        -- anything smaller (float8 power raises on underflow)
        select links.*, min(days_before) over (partition by order_key, model) as min_days_before
        from links
    ) as links
    left join {{ ref('int_attribution__markov_removal_effects') }} as removal
        on  removal.workspace_slug = links.workspace_slug
        and removal.channel = links.channel

),

with_markov as (

    select
        with_decay.*,
        sum(markov_share) over (partition by order_key, model)          as markov_total
    from with_decay

),

expected as (

    select
        with_markov.*,
        case model
            when 'first_touch' then case when position = 1 then 1 else 0 end
            when 'last_touch' then case when position = touchpoint_count then 1 else 0 end
            when 'linear' then 1::float8 / touchpoint_count
            when 'position_based' then
                case
                    when touchpoint_count = 1 then 1
                    when touchpoint_count = 2 and first_share + last_share = 0 then 0.5
                    when touchpoint_count = 2 and position = 1 then first_share / (first_share + last_share)
                    when touchpoint_count = 2 then last_share / (first_share + last_share)
                    when position = 1 then first_share
                    when position = touchpoint_count then last_share
                    else (1 - first_share - last_share) / (touchpoint_count - 2)
                end
            when 'time_decay' then decay / decay_total
            when 'markov' then
                case when markov_total > 0 then markov_share / markov_total
                     else 1::float8 / touchpoint_count end
        end::float8                                                     as expected_weight
    from with_markov

)

select order_key, touchpoint_id, model, position, touchpoint_count, weight, expected_weight
from expected
where expected_weight is null
   or abs(weight::float8 - expected_weight) > 1e-9
