select p.platform,
       left(e.entity_path, 48)                                       as campaign,
       p.currency,
       round(sum(p.spend), 2)                                        as spend,
       round(sum(p.attributed_revenue), 2)                           as attributed_revenue,
       round(sum(p.cogs), 2)                                         as cogs,
       round(sum(p.gross_profit), 2)                                 as gross_profit,
       round(sum(p.attributed_revenue) / nullif(sum(p.spend), 0), 2) as roas,
       round(sum(p.gross_profit) / nullif(sum(p.spend), 0), 2)       as poas
from marts.fct_pnl_daily as p
join marts.dim_ad_entities as e on e.entity_id = p.entity_id
where p.kind = 'eod' and p.level = 'campaign' and p.platform in ('google_ads', 'meta')
group by p.platform, e.entity_path, p.currency
order by sum(p.spend) desc
limit 12
