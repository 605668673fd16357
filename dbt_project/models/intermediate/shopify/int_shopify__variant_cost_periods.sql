-- Unit cost per variant as half-open periods: the cost observed at valid_from is in force until
-- the next observation (valid_to, exclusive; null while current). is_earliest marks the first
-- observation, which also applies to anything before it (orders older than the first sync that
-- saw a cost). The cost in force at instant t is therefore the row with
--   valid_from <= t and (valid_to is null or t < valid_to), or is_earliest and t < valid_from.

with

observations as (

    select * from {{ ref('stg_shopify__variant_cost_observations') }}

),

periods as (

    select
        shop_domain,
        variant_id,
        unit_cost,
        observed_at                                             as valid_from,
        lead(observed_at) over (
            partition by shop_domain, variant_id order by observed_at
        )                                                       as valid_to,
        row_number() over (
            partition by shop_domain, variant_id order by observed_at
        ) = 1                                                   as is_earliest,
        row_number() over (
            partition by shop_domain, variant_id order by observed_at desc
        ) = 1                                                   as is_current

    from observations

)

select * from periods
