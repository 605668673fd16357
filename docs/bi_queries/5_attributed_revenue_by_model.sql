-- Attributed revenue by attribution model: the same orders' net revenue credited to ad
-- platforms (and to email, organic, direct) under first touch, last touch, linear,
-- position based and time decay. Every model distributes each order's revenue exactly once.
select
    client_slug,
    model,
    currency,
    coalesce(platform, channel)             as credited_to,
    count(distinct order_key)               as orders,
    sum(attributed_revenue)                 as attributed_revenue,
    sum(attributed_gross_profit)            as attributed_gross_profit
from marts.fct_attribution_links
group by client_slug, model, currency, coalesce(platform, channel)
order by client_slug, model, attributed_revenue desc;
