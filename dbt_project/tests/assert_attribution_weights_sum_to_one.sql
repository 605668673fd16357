-- For every conversion (order) and model in fct_attribution_links: the weights sum to 1 (within
-- 1e-9; the model makes them exact), every weight is in [0, 1], the positions are exactly
-- 1 .. touchpoint_count, each once, and all six models are present with the same touches.
-- Returns one row per (order, model) that breaks a rule, with the problem.

with

links as (

    select * from {{ ref('fct_attribution_links') }}

),

per_model as (

    select
        order_key,
        model,
        sum(weight)                                     as weight_sum,
        min(weight)                                     as min_weight,
        max(weight)                                     as max_weight,
        count(*)                                        as links,
        count(distinct position)                        as positions,
        min(position)                                   as min_position,
        max(position)                                   as max_position,
        min(touchpoint_count)                           as min_touchpoint_count,
        max(touchpoint_count)                           as max_touchpoint_count,
        count(distinct touchpoint_id)                   as touchpoints

    from links
    group by order_key, model

),

per_order as (

    select
        order_key,
        count(distinct model)                           as models,
        count(distinct touchpoints)                     as touchpoint_sets
    from per_model
    group by order_key

)

select
    per_model.*,
    per_order.models,
    case
        when abs(weight_sum - 1) > 1e-9 then 'weights sum to ' || weight_sum
        when min_weight < 0 or max_weight > 1 then 'weight outside [0, 1]'
        when min_touchpoint_count <> max_touchpoint_count then 'touchpoint_count differs between links'
        when links <> min_touchpoint_count or positions <> links
          or min_position <> 1 or max_position <> links then 'positions are not 1 .. touchpoint_count'
        when per_order.models <> 6 then 'not every model has links'
        when per_order.touchpoint_sets <> 1 then 'models count different touches'
    end                                                 as problem

from per_model

join per_order
    on per_order.order_key = per_model.order_key

where abs(weight_sum - 1) > 1e-9
   or min_weight < 0
   or max_weight > 1
   or min_touchpoint_count <> max_touchpoint_count
   or links <> min_touchpoint_count
   or positions <> links
   or min_position <> 1
   or max_position <> links
   or per_order.models <> 6
   or per_order.touchpoint_sets <> 1
