select p.platform, e.entity_name as account, p.metric_date,
       p.first_reported_spend, p.spend, p.spend_drift
from marts.fct_pnl_daily as p
join marts.dim_ad_entities as e on e.entity_id = p.entity_id
where p.kind = 'eod' and p.level = 'account' and p.spend_drift <> 0
order by p.metric_date, p.platform, e.entity_name
