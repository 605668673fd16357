-- Affiliate campaigns (tracking ids): clicks, conversions, refunds, revenue and EPC over the landed days.
select client_slug                                                  as client,
       tracking_id,
       currency,
       sum(clicks)                                                  as clicks,
       sum(conversions)                                             as conversions,
       sum(refunds)                                                 as refunds,
       sum(rebills)                                                 as rebills,
       round(sum(gross_revenue), 2)                                 as gross,
       round(sum(net_revenue), 2)                                   as net,
       round(sum(net_revenue) / nullif(sum(clicks), 0), 4)          as epc,
       round(sum(refunds)::numeric / nullif(sum(conversions), 0), 4) as refund_rate
from marts.fct_affiliate_daily
group by client_slug, tracking_id, currency
order by sum(net_revenue) desc
