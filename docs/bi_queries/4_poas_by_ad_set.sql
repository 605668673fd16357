-- POAS (gross profit on ad spend) by Meta ad set / Google ad group over the last 30 closed
-- days: attributed revenue minus the orders' COGS, per unit of spend. Null when no spend.
with last_closed_day as (
    select max(metric_date) as day from marts.fct_pnl_daily where kind = 'eod'
)
select
    p.client_slug,
    p.platform,
    e.entity_path                                             as ad_set,
    p.currency,
    sum(p.spend)                                              as spend,
    sum(p.attributed_revenue)                                 as attributed_revenue,
    sum(p.cogs)                                               as cogs,
    sum(p.gross_profit)                                       as gross_profit,
    round(sum(p.gross_profit) / nullif(sum(p.spend), 0), 2)   as poas
from marts.fct_pnl_daily as p
join marts.dim_ad_entities as e on e.entity_id = p.entity_id
cross join last_closed_day
where p.kind = 'eod'
  and p.level in ('ad_set', 'ad_group')
  and p.metric_date > last_closed_day.day - 30
group by p.client_slug, p.platform, e.entity_path, p.currency
order by spend desc;
