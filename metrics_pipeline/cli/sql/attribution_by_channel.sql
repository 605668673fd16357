-- First-party attribution per workspace and channel, orders to date in their own currency: the
-- Markov chain's removal effect, and the revenue last_touch, linear and markov (data-driven)
-- give the channel. Orders = conversions with a counted touch of the channel.
select links.workspace_slug,
       links.channel,
       links.currency,
       count(distinct links.order_key)                                          as orders,
       round(removal.removal_effect::numeric, 3)                                as removal_effect,
       round(sum(links.attributed_revenue) filter (where links.model = 'last_touch'), 2)
                                                                                as last_touch_revenue,
       round(sum(links.attributed_revenue) filter (where links.model = 'linear'), 2)
                                                                                as linear_revenue,
       round(sum(links.attributed_revenue) filter (where links.model = 'markov'), 2)
                                                                                as markov_revenue
from marts.fct_attribution_links as links
left join intermediate.int_attribution__markov_removal_effects as removal
    on  removal.workspace_slug = links.workspace_slug
    and removal.channel = links.channel
group by links.workspace_slug, links.channel, links.currency, removal.removal_effect
order by links.workspace_slug, links.currency, markov_revenue desc nulls last, links.channel
