select p.platform,
       e.entity_name                       as account,
       p.metric_date                       as day,
       p.currency,
       round(p.spend, 2)                   as spend,
       round(p.platform_revenue, 2)        as revenue,
       to_char(p.captured_at at time zone 'UTC', 'HH24:MI') || ' UTC' as captured
from marts.fct_pnl_daily as p
join marts.dim_ad_entities as e on e.entity_id = p.entity_id
where p.kind = 'snapshot' and p.level = 'account'
order by p.platform, e.entity_name
